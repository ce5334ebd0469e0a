// opsbook default theme: light/dark toggle, the phone navigation drawer, and the full
// navigation tree from the shared nav.js (each page carries only its own section inline, so
// everything here is an enhancement; the site works without script).
(function () {
  "use strict";
  var doc = document.documentElement;
  var root = doc.getAttribute("data-root") || "";
  var current = doc.getAttribute("data-page") || "";
  var self = document.currentScript ? document.currentScript.src : "";

  // Light / dark: the reader's choice is remembered; until then the system decides.
  var toggle = document.querySelector(".theme-toggle");
  if (toggle) {
    toggle.addEventListener("click", function () {
      var dark = doc.getAttribute("data-theme") === "dark" ||
        (!doc.hasAttribute("data-theme") && window.matchMedia("(prefers-color-scheme: dark)").matches);
      var next = dark ? "light" : "dark";
      doc.setAttribute("data-theme", next);
      try { localStorage.setItem("opsbook-theme", next); } catch (e) { /* private mode */ }
    });
  }

  // Phone: the sidebar is a drawer.
  var navToggle = document.querySelector(".nav-toggle");
  function setDrawer(open) {
    document.body.classList.toggle("nav-open", open);
    if (navToggle) navToggle.setAttribute("aria-expanded", open ? "true" : "false");
  }
  if (navToggle) {
    navToggle.addEventListener("click", function () {
      setDrawer(!document.body.classList.contains("nav-open"));
    });
  }
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") setDrawer(false);
  });

  // The full tree: sections are collapsible, the way to the current page is open.
  var tree = window.OPSBOOK_NAV;
  var list = document.getElementById("nav-tree");
  if (tree && list) {
    var fragment = document.createDocumentFragment();
    fragment.appendChild(item({ t: "Home", u: "index.html", c: [] }, true));
    tree.c.forEach(function (child) { fragment.appendChild(item(child, false)); });
    list.textContent = "";
    list.appendChild(fragment);
    // Bring the current page into view inside the sidebar only; scrollIntoView would also
    // scroll the window away from the top of the page.
    var here = list.querySelector("[aria-current=page]");
    var sidebar = document.getElementById("sidebar");
    if (here && sidebar) {
      var offset = here.getBoundingClientRect().top - sidebar.getBoundingClientRect().top;
      if (offset > sidebar.clientHeight * 0.8) sidebar.scrollTop += offset - sidebar.clientHeight / 2;
    }
  }

  // Review state against the reader's clock: the page was built on `data-today`, and a page
  // that was fresh then may be stale now. Without script the build-time state shows.
  var dueSoonDays = parseInt(doc.getAttribute("data-due-soon-days") || "14", 10);
  var now = new Date();
  var todayUtc = Date.UTC(now.getFullYear(), now.getMonth(), now.getDate());
  function daysUntil(iso) {
    var p = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
    return p ? Math.round((Date.UTC(+p[1], +p[2] - 1, +p[3]) - todayUtc) / 86400000) : null;
  }
  var labels = { "ok": "Reviewed", "due-soon": "Review due soon", "stale": "Stale" };
  Array.prototype.forEach.call(document.querySelectorAll(".badge[data-next-review]"), function (badge) {
    var days = daysUntil(badge.getAttribute("data-next-review"));
    if (days === null) return;
    var state = days < 0 ? "stale" : days <= dueSoonDays ? "due-soon" : "ok";
    badge.className = badge.className.replace(/\bstate-[a-z-]+/, "state-" + state);
    badge.textContent = labels[state];
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-review-when]"), function (el) {
    var date = el.getAttribute("data-review-when");
    var days = daysUntil(date);
    if (days === null) return;
    el.textContent = days < 0 ? "was due " + date + " (" + -days + " day" + (days === -1 ? "" : "s") + " ago)" : "next " + date;
  });

  // Search: search.js and its index load on first use; `/` and Ctrl-K / Cmd-K focus the box,
  // `?q=` opens the search and `?highlight=` marks the words a result was found by.
  var searchInput = document.getElementById("search-input");
  function loadSearch() {
    if (document.getElementById("opsbook-search-js") || !self) return;
    var s = document.createElement("script");
    s.id = "opsbook-search-js";
    s.src = self.replace(/opsbook\.js(?=\?|$)/, "search.js");
    document.head.appendChild(s);
  }
  if (searchInput) {
    searchInput.addEventListener("focus", loadSearch);
    document.addEventListener("keydown", function (e) {
      var t = e.target;
      var typing = t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.nodeName));
      var slash = e.key === "/" && !typing && !e.ctrlKey && !e.metaKey && !e.altKey;
      var ctrlK = (e.ctrlKey || e.metaKey) && (e.key === "k" || e.key === "K");
      if (!slash && !ctrlK) return;
      e.preventDefault();
      searchInput.focus();
      searchInput.select();
    });
  }
  if (/[?&](q|highlight)=/.test(window.location.search)) loadSearch();

  var printButton = document.querySelector(".print-button");
  if (printButton) printButton.addEventListener("click", function () { window.print(); });

  function contains(node, url) {
    if (node.u === url) return true;
    return (node.c || []).some(function (c) { return contains(c, url); });
  }

  function link(node) {
    var a = document.createElement("a");
    a.href = root + node.u;
    a.textContent = node.t;
    if (node.u === current) a.setAttribute("aria-current", "page");
    return a;
  }

  function item(node, flat) {
    var li = document.createElement("li");
    if (!node.c || flat) {
      li.className = flat ? "nav-section" : "nav-doc";
      li.appendChild(link(node));
      if (node.s) {
        li.className += node.s === "due-soon" ? " due-soon" : " needs-review";
        li.title = node.s === "due-soon" ? "Review due soon" : "Needs review";
      }
      if (node.u === current) li.className += " current";
      return li;
    }
    li.className = "nav-section";
    var details = document.createElement("details");
    if (contains(node, current)) details.open = true;
    var summary = document.createElement("summary");
    summary.appendChild(link(node));
    details.appendChild(summary);
    var ul = document.createElement("ul");
    // Large sections are filled in only when opened.
    var fill = function () {
      if (ul.childNodes.length) return;
      node.c.forEach(function (c) { ul.appendChild(item(c, false)); });
    };
    if (details.open) fill();
    details.addEventListener("toggle", fill);
    details.appendChild(ul);
    li.appendChild(details);
    return li;
  }
})();
