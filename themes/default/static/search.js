// opsbook search: the client of the index `opsbook build` writes to _opsbook/search/.
// Loaded on first use by opsbook.js. The index files are scripts that call
// OPSBOOK_SEARCH_LOAD(key, data...), so they load from file:// as well as from a server.
// Everything shown is inserted as text (createElement / textContent), never as markup.
(function () {
  "use strict";
  if (window.OPSBOOK_SEARCH) return;
  var html = document.documentElement;
  var root = html.getAttribute("data-root") || "";
  var base = root + "_opsbook/search/";
  var MAX_RESULTS = 20;
  var MAX_EXPANSIONS = 200;
  // Field weights: title, heading, meta, body; an exact word counts three times a prefix.
  var FIELD_WEIGHT = [1, 20, 40, 100];
  var EXACT = 3;

  // --- Words: the same rules as src/search/tokenize.rs ---------------------------------
  var MARKS = /(?![\u3099\u309A])\p{M}/gu;
  var CJK = "\u3040-\u30FF\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF\u{20000}-\u{2FA1F}";
  var TERM = new RegExp("(?:(?![" + CJK + "])[\\p{Alphabetic}\\p{N}])+|[" + CJK + "]+", "gu");
  var IS_CJK = new RegExp("^[" + CJK + "]", "u");
  // The words of text as it is shown (marking, snippets); one regular expression, reused.
  var WORD = new RegExp(TERM.source, "gu");

  function fold(s) {
    s = s.toLowerCase();
    // eslint-disable-next-line no-control-regex
    if (/^[\x00-\x7f]*$/.test(s)) return s;
    return s.normalize("NFD").replace(MARKS, "").normalize("NFC").replace(/ς/g, "σ");
  }

  function terms(folded) {
    var out = [];
    var m;
    TERM.lastIndex = 0;
    while ((m = TERM.exec(folded))) {
      var w = m[0];
      if (IS_CJK.test(w)) {
        var chars = Array.from(w);
        if (chars.length === 1) out.push(w);
        for (var i = 0; i + 1 < chars.length; i++) out.push(chars[i] + chars[i + 1]);
      } else {
        out.push(w);
      }
    }
    return out;
  }

  // --- Loading index files -------------------------------------------------------------
  function has(o, key) { return Object.prototype.hasOwnProperty.call(o, key); }
  var files = {};
  var waiting = {};
  window.OPSBOOK_SEARCH_LOAD = function (key) {
    var args = Array.prototype.slice.call(arguments, 1);
    // A term shard is decoded once, as it arrives (see decodeShard); a failed one is null.
    if (key.lastIndexOf("t-", 0) === 0) args = [args[0] ? decodeShard(args[0], args[1]) : null];
    files[key] = args;
    (waiting[key] || []).forEach(function (cb) { cb(args); });
    delete waiting[key];
  };
  // Over http(s) the files are fetched and their data parsed as JSON (about twice as fast
  // as running them); opened from disk (file://), where fetching is not allowed, they run as
  // scripts. Either way they end in OPSBOOK_SEARCH_LOAD.
  var VERSION_LINE = /^window\.OPSBOOK_SEARCH_VERSION = "([0-9a-f]*)";\n/;
  var viaFetch = /^https?:$/.test(location.protocol) && typeof fetch === "function";
  function fileUrl(name) {
    // index.js is always fetched afresh and names the version of the other files.
    return base + name + ".js?" + (name === "index"
      ? "t=" + Date.now()
      : "v=" + encodeURIComponent(window.OPSBOOK_SEARCH_VERSION || ""));
  }
  // Fetched files nobody has asked for yet (prefetched), kept as text: most are never
  // used, and parsing one costs only a few milliseconds when it is.
  var fetched = {};
  // The files being fetched: name -> the fetch's AbortController (an object without one).
  var fetching = {};
  function load(name, cb) {
    if (has(files, name)) { cb(files[name]); return; }
    if (waiting[name]) { waiting[name].push(cb); return; }
    waiting[name] = [cb];
    if (viaFetch) {
      if (has(fetched, name)) {
        var text = fetched[name];
        delete fetched[name];
        deliver(name, text);
      } else if (!fetching[name]) {
        fetchFile(name, "auto");
      }
      // else a prefetch of it is under way, and delivers it when it arrives.
      return;
    }
    var s = document.createElement("script");
    s.src = fileUrl(name);
    s.onerror = function () { window.OPSBOOK_SEARCH_LOAD(name, null); };
    document.head.appendChild(s);
  }
  // Fetches a file; delivers it if it is wanted by then, else keeps its text.
  function fetchFile(name, priority) {
    var control = typeof AbortController === "function" ? new AbortController() : {};
    fetching[name] = control;
    return fetch(fileUrl(name), { priority: priority, signal: control.signal }).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.text();
    }).then(function (text) {
      if (fetching[name] !== control) return; // given up on (see prefetchFor)
      delete fetching[name];
      if (waiting[name]) deliver(name, text);
      else fetched[name] = text;
    }, function () {
      if (fetching[name] !== control) return;
      delete fetching[name];
      // A failed prefetch is forgotten (asked for later, the file is fetched again).
      if (waiting[name]) window.OPSBOOK_SEARCH_LOAD(name, null);
    });
  }
  // Parses a fetched file and hands its data to OPSBOOK_SEARCH_LOAD.
  function deliver(name, text) {
    var args = null;
    try {
      var m = VERSION_LINE.exec(text);
      if (m) {
        window.OPSBOOK_SEARCH_VERSION = m[1];
        text = text.slice(m[0].length);
      }
      args = JSON.parse("[" + text.slice(text.indexOf("(") + 1, text.lastIndexOf(")")) + "]");
      if (args[0] !== name) throw new Error("unexpected " + args[0]);
    } catch (e) {
      args = [name, null];
    }
    window.OPSBOOK_SEARCH_LOAD.apply(null, args);
  }

  // Prefetching. A word shorter than the shard keys (one letter of two) does not say which
  // shard its next letter needs, and fetching that shard once the letter is typed takes
  // most of the time a keystroke has (tens of milliseconds even from localhost). So the
  // shards the word can grow into are fetched while the reader types, with low priority
  // (what is wanted now goes first); the next letter tells which one was needed, and the
  // others still under way are given up, so that the bandwidth goes to what is wanted.
  // A prefix with more shards than this (a script with many letters) is not prefetched.
  var PREFETCH_MAX = 40;
  var prefetching = []; // {name, control} of each prefetch under way
  // Called with the terms of each query, before their shards are loaded.
  function prefetchFor(queryTerms) {
    if (!viaFetch) return;
    var keep = []; // the shards of the terms, and those they can grow into
    var names = [];
    queryTerms.forEach(function (term) {
      var key = shardKey(term);
      if (index.shardSet[key]) keep.push(shardName(key));
      if (Array.from(term).length >= index.keyLen) return;
      var keys = index.shards.filter(function (k) { return k !== term && k.lastIndexOf(term, 0) === 0; });
      if (keys.length <= PREFETCH_MAX) keys.forEach(function (k) { names.push(shardName(k)); });
    });
    keep = keep.concat(names);
    prefetching = prefetching.filter(function (p) {
      if (fetching[p.name] !== p.control) return false; // arrived or failed
      if (keep.indexOf(p.name) >= 0 || waiting[p.name]) return true;
      if (p.control.abort) p.control.abort();
      delete fetching[p.name];
      return false;
    });
    names.forEach(function (name) {
      if (has(files, name) || has(fetched, name) || fetching[name] || waiting[name]) return;
      fetchFile(name, "low");
      prefetching.push({ name: name, control: fetching[name] });
    });
  }

  var index = null;
  // For each target (a document's top, then each of its headings): its document, and the
  // heading's position in it (-1 for the top). Typed arrays: a large handbook has many.
  var targetDoc = null;
  var targetHeading = null;
  var firstTarget = null; // document -> its first target; one more entry at the end
  var titleLength = null; // document -> the length of its title (the first tie-breaker)
  // Scratch space of one query, cleared after use (only what was touched): per target, its
  // score for the current term and its total; the targets the current term touched; per
  // document, its best target's score for the current term, its total, how many terms it
  // has, the documents with the first term, and those the current term touched. Variables,
  // not fields of one object: the browser's compiled code depends on what a field has
  // held, and was thrown away when the real arrays replaced the warm-up's (see warmUp).
  var termScore = null;
  var targetScore = null;
  var touched = null;
  var docBest = null;
  var docScore = null;
  var docHits = null;
  var docList = null;
  var docTouched = null;
  function withIndex(cb) {
    if (index) { cb(index); return; }
    load("index", function (args) {
      if (!index && args && args[0] && args[0].v === 1) {
        index = args[0];
        index.shardSet = {};
        index.shards.forEach(function (k) { index.shardSet[k] = true; });
        setUp(index.docs);
      }
      if (index) {
        window.OPSBOOK_SEARCH.ready = true;
        cb(index);
      } else {
        setStatus("The search index could not be loaded.");
      }
    });
  }

  // The targets of the documents `docs`, and scratch space to match.
  function setUp(docs) {
    var n = 0;
    docs.forEach(function (d) { n += 1 + d[6].length; });
    targetDoc = new Int32Array(n);
    targetHeading = new Int32Array(n);
    firstTarget = new Int32Array(docs.length + 1);
    var t = 0;
    docs.forEach(function (d, i) {
      firstTarget[i] = t;
      targetDoc[t] = i;
      targetHeading[t++] = -1;
      for (var k = 0; k < d[6].length; k++) {
        targetDoc[t] = i;
        targetHeading[t++] = k;
      }
    });
    firstTarget[docs.length] = t;
    titleLength = new Int32Array(docs.length);
    docs.forEach(function (d, i) { titleLength[i] = d[0].length; });
    termScore = new Float64Array(n);
    targetScore = new Float64Array(n);
    touched = new Int32Array(n);
    docBest = new Float64Array(docs.length);
    docScore = new Float64Array(docs.length);
    docHits = new Uint8Array(docs.length);
    docList = new Int32Array(docs.length);
    docTouched = new Int32Array(docs.length);
    // New arrays are zero without being written: the system hands out their memory when it
    // is first touched, which in the first queries was milliseconds of page faults.
    [termScore, targetScore, touched, docBest, docScore, docHits, docList, docTouched].forEach(function (a) { a.fill(0); });
  }

  // Runs the decoding and the ranking on a made-up index of a few hundred documents, as
  // soon as this script runs, so that the first real query runs compiled code. Browsers
  // compile a function only once it is hot, in the background, and for the kinds of values
  // it has seen: run when the index has arrived, the compiling was still under way while
  // the reader typed the first letters (queries several times slower). So the documents and
  // postings come from JSON.parse, as the index's and a shard's do, and the functions are
  // called several times on short lists (a function entered once, with one long loop, gets
  // compiled for that loop alone, and that code is thrown away each time the loop ends).
  function warmUp() {
    var docs = [];
    for (var i = 0; i < 400; i++) docs.push(["warm " + i, "", 0, [], 0, [], [["h", "h"], ["i", "i"]]]);
    index = { docs: JSON.parse(JSON.stringify(docs)) };
    setUp(index.docs);
    var words = [];
    var lists = [];
    for (var w = 0; w < 8; w++) {
      var postings = [];
      for (var p = w % 3; p < targetDoc.length; p += 1 + w % 2) postings.push((p === w % 3 ? p : 1 + w % 2) * 4 + (p + w) % 4);
      words.push("warm" + w);
      lists.push(postings);
    }
    var json = JSON.stringify(lists);
    for (var k = 0; k < 12; k++) {
      var shard = decodeShard(words, JSON.parse(json));
      var shards = new Array(k % 2 + 1);
      for (var j = 0; j < shards.length; j++) shards[j] = shard;
      rank(unique(terms(k % 2 ? "warm warm1" : "warm")), shards, null);
    }
    index = targetDoc = targetHeading = firstTarget = titleLength = null;
    termScore = targetScore = touched = docBest = docScore = docHits = docList = docTouched = null;
  }

  function shardKey(term) {
    var chars = Array.from(term);
    return chars.slice(0, index.keyLen).join("");
  }
  function shardName(key) {
    if (!key) return "t-all";
    var bytes = new TextEncoder().encode(key);
    var name = "t-";
    for (var i = 0; i < bytes.length; i++) name += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    return name;
  }
  function withShard(term, cb) {
    var key = shardKey(term);
    if (!index.shardSet[key]) { cb(null); return; }
    load(shardName(key), function (args) { cb(args && args[0]); });
  }

  // A shard as it is searched: [words (sorted), start, codes], the postings of word k in
  // codes[start[k] .. start[k + 1]], each `target × 4 + field` with the target itself, not
  // its distance from the previous one. Typed arrays, made once when the shard arrives:
  // every query on it then reads the same kind of array (the first query on a shard is no
  // slower than the next) and does no division.
  function decodeShard(words, lists) {
    var total = 0;
    for (var k = 0; k < lists.length; k++) total += lists[k].length;
    var start = new Int32Array(lists.length + 1);
    var codes = new Int32Array(total);
    var at = 0;
    for (k = 0; k < lists.length; k++) {
      start[k] = at;
      at = decodePostings(lists[k], codes, at);
    }
    start[lists.length] = at;
    return [words, start, codes];
  }
  function decodePostings(raw, codes, at) {
    var target = 0;
    for (var i = 0; i < raw.length; i++) {
      var code = raw[i];
      target += code >> 2;
      codes[at++] = target * 4 + (code & 3);
    }
    return at;
  }

  // Scores one query term into termScore (best field of each target: the exact word, then
  // up to MAX_EXPANSIONS words it begins); returns how many targets it touched, listed in
  // `touched`.
  function termScores(shard, term) {
    if (!shard) return 0;
    var list = shard[0];
    var lo = 0;
    var hi = list.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (list[mid] < term) lo = mid + 1; else hi = mid;
    }
    var count = 0;
    for (var k = lo, n = 0; k < list.length && n < MAX_EXPANSIONS && list[k].lastIndexOf(term, 0) === 0; k++, n++) {
      count = scorePostings(shard[2], shard[1][k], shard[1][k + 1], list[k] === term ? EXACT : 1, count);
    }
    return count;
  }
  // The postings codes[from .. to) of one word, worth `factor` each: keeps each target's
  // best score; returns the count of targets touched so far (`count` before).
  function scorePostings(codes, from, to, factor, count) {
    for (var i = from; i < to; i++) {
      var code = codes[i];
      var target = code >> 2;
      var s = FIELD_WEIGHT[code & 3] * factor;
      var old = termScore[target];
      if (old === 0) touched[count++] = target;
      if (s > old) termScore[target] = s;
    }
    return count;
  }

  // --- Queries -------------------------------------------------------------------------
  var FILTER = /^(type|owner|tag|state):(.+)$/i;
  function parse(q) {
    var filters = { type: [], owner: [], tag: [], state: [] };
    var words = [];
    q.split(/\s+/).forEach(function (part) {
      var m = FILTER.exec(part);
      if (m) filters[m[1].toLowerCase()].push(fold(m[2]));
      else if (part) words.push(part);
    });
    return { filters: filters, terms: unique(terms(fold(words.join(" ")))) };
  }
  function unique(list) {
    return list.filter(function (t, i) { return list.indexOf(t) === i; });
  }
  function bare(s) { return fold(s).replace(/^@/, ""); }

  function docFilter(filters) {
    var ui = selected();
    var want = {
      type: filters.type.concat(ui.type ? [ui.type] : []),
      owner: filters.owner.concat(ui.owner ? [ui.owner] : []),
      tag: filters.tag.concat(ui.tag ? [ui.tag] : []),
      state: filters.state.concat(ui.state ? [ui.state] : [])
    };
    var active = want.type.length || want.owner.length || want.tag.length || want.state.length;
    if (!active) return null;
    return function (d) {
      var type = index.types[d[2]];
      if (!want.type.every(function (t) { return fold(type[0]) === t || fold(type[1]) === t || fold(type[1]).replace(/\s+/g, "-") === t; })) return false;
      var owners = d[3].map(function (o) { return bare(index.owners[o]); });
      if (!want.owner.every(function (o) { return owners.indexOf(bare(o)) >= 0; })) return false;
      var tags = d[5].map(function (t) { return fold(index.tags[t]); });
      if (!want.tag.every(function (t) { return tags.indexOf(fold(t)) >= 0; })) return false;
      var state = index.states[d[4]];
      return want.state.every(function (s) { return s === state; });
    };
  }

  // Keeps the best `max` results (sorted, best first) and counts them all. A candidate
  // becomes a result object only if it makes the list: a query has thousands of them.
  function Best(max) {
    this.max = max;
    this.top = [];
    this.total = 0;
  }
  // Below 0 if the document `doc` with `score` goes before result r: the higher score, then
  // the shorter title, then the earlier document.
  function before(doc, score, r) {
    return r.score - score || titleLength[doc] - titleLength[r.doc] || doc - r.doc;
  }
  Best.prototype.add = function (doc, target, score) {
    this.total++;
    var top = this.top;
    if (top.length === this.max && before(doc, score, top[top.length - 1]) >= 0) return;
    var lo = 0;
    var hi = top.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (before(doc, score, top[mid]) >= 0) lo = mid + 1; else hi = mid;
    }
    top.splice(lo, 0, { doc: doc, target: target, heading: targetHeading[target], score: score });
    if (top.length > this.max) top.pop();
  };

  // Runs a query; calls back with the best results ({doc, target, heading, score}, best
  // first, in `top`) and how many there are in all (`total`).
  function search(q, cb) {
    withIndex(function () {
      var parsed = parse(q);
      var keep = docFilter(parsed.filters);
      if (!parsed.terms.length) {
        var all = new Best(MAX_RESULTS);
        if (keep) {
          index.docs.forEach(function (d, i) {
            if (keep(d)) all.add(i, firstTarget[i], 0);
          });
        }
        cb(parsed, all);
        return;
      }
      prefetchFor(parsed.terms);
      var pending = parsed.terms.length;
      var shards = new Array(pending);
      parsed.terms.forEach(function (term, k) {
        withShard(term, function (shard) {
          shards[k] = shard;
          if (--pending === 0) cb(parsed, rank(parsed.terms, shards, keep));
        });
      });
    });
  }

  // Documents that have every term (anywhere in them), scored by the sum over the terms of
  // their best target; each lands on the target that scored most. One pass over the
  // postings of each term, on typed arrays; the scratch space is cleared as it is read.
  // (Each loop is in a function of its own, so that each is compiled as a whole.)
  function rank(queryTerms, shards, keep) {
    var docs = 0; // documents in docList with all terms so far
    for (var k = 0; k < queryTerms.length; k++) {
      var touchedDocs = mergeTerm(k, termScores(shards[k], queryTerms[k]));
      docs = countTerm(k, touchedDocs, docs);
    }
    var results = new Best(MAX_RESULTS);
    for (var m = 0; m < docs; m++) {
      var e = docList[m];
      var complete = docHits[e] === queryTerms.length;
      var score = docScore[e];
      var landing = landingOf(e, complete);
      docHits[e] = 0;
      docScore[e] = 0;
      if (!complete || (keep && !keep(index.docs[e]))) continue;
      results.add(e, landing, score);
    }
    return results;
  }
  // Adds term k's scores of the `count` targets it touched to those of the documents that
  // had the terms before it; returns how many documents it touched (in docTouched).
  function mergeTerm(k, count) {
    var touchedDocs = 0;
    for (var i = 0; i < count; i++) {
      var t = touched[i];
      var s = termScore[t];
      termScore[t] = 0;
      var d = targetDoc[t];
      if (docHits[d] !== k) continue; // missed an earlier term
      targetScore[t] += s;
      if (docBest[d] === 0) docTouched[touchedDocs++] = d;
      if (s > docBest[d]) docBest[d] = s;
    }
    return touchedDocs;
  }
  // Counts term k for the documents it touched: its best target's score; the first term
  // lists them (in docList, `docs` so far; returns the new count).
  function countTerm(k, touchedDocs, docs) {
    for (var j = 0; j < touchedDocs; j++) {
      var doc = docTouched[j];
      docHits[doc] = k + 1;
      docScore[doc] += docBest[doc];
      docBest[doc] = 0;
      if (k === 0) docList[docs++] = doc;
    }
    return docs;
  }
  // The target of document e that scored most (its top if it does not have every term),
  // clearing the scores of its targets.
  function landingOf(e, complete) {
    var landing = firstTarget[e];
    var top = -1;
    for (var x = firstTarget[e]; x < firstTarget[e + 1]; x++) {
      if (complete && targetScore[x] > top) { top = targetScore[x]; landing = x; }
      targetScore[x] = 0;
    }
    return landing;
  }

  // --- Marking matched words -------------------------------------------------------------
  // Appends `text` to `parent`, each word that a query term begins in a <mark>.
  function appendMarked(parent, text, queryTerms) {
    var words = queryTerms.filter(function (t) { return !IS_CJK.test(t); });
    var cjk = queryTerms.filter(function (t) { return IS_CJK.test(t); });
    var last = 0;
    var ranges = [];
    var m;
    var re = WORD;
    re.lastIndex = 0;
    while ((m = re.exec(text))) {
      if (IS_CJK.test(m[0])) {
        cjk.forEach(function (t) {
          var at = m[0].indexOf(t);
          while (at >= 0) {
            ranges.push([m.index + at, m.index + at + t.length]);
            at = m[0].indexOf(t, at + 1);
          }
        });
      } else {
        var f = fold(m[0]);
        if (words.some(function (t) { return f.lastIndexOf(t, 0) === 0; })) ranges.push([m.index, m.index + m[0].length]);
      }
    }
    ranges.sort(function (a, b) { return a[0] - b[0]; });
    ranges.forEach(function (r) {
      var start = Math.max(r[0], last);
      if (start >= r[1]) return;
      if (start > last) parent.appendChild(document.createTextNode(text.slice(last, start)));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(start, r[1]);
      parent.appendChild(mark);
      last = r[1];
    });
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
    return ranges.length;
  }

  // About SHOWN characters of a snippet, starting a little before its first matched word.
  var SHOWN = 180;
  function excerpt(text, queryTerms) {
    var first = -1;
    var m;
    var re = WORD;
    re.lastIndex = 0;
    while (first < 0 && (m = re.exec(text))) {
      var f = fold(m[0]);
      if (queryTerms.some(function (t) { return IS_CJK.test(t) ? f.indexOf(t) >= 0 : f.lastIndexOf(t, 0) === 0; })) first = m.index;
    }
    var start = 0;
    if (first > SHOWN / 3) {
      start = text.indexOf(" ", first - SHOWN / 4);
      if (start < 0 || start > first) start = first;
    }
    var end = text.length;
    if (end - start > SHOWN) {
      end = text.lastIndexOf(" ", start + SHOWN);
      if (end <= first) end = start + SHOWN;
    }
    var out = text.slice(start, end).trim();
    if (start > 0) out = "…" + out;
    if (end < text.length && !/…$/.test(out)) out += "…";
    return out;
  }

  // The target page marks the words it was found by (`?highlight=`).
  function highlightPage(words) {
    var main = document.getElementById("content");
    var queryTerms = unique(terms(fold(words)));
    if (!main || !queryTerms.length) return;
    var walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT, null);
    var nodes = [];
    var node;
    while ((node = walker.nextNode())) {
      var tag = node.parentNode && node.parentNode.nodeName;
      if (tag !== "SCRIPT" && tag !== "STYLE" && tag !== "MARK" && node.nodeValue.trim()) nodes.push(node);
    }
    var first = null;
    nodes.forEach(function (n) {
      var fragment = document.createDocumentFragment();
      if (appendMarked(fragment, n.nodeValue, queryTerms)) {
        first = first || fragment.querySelector("mark");
        n.parentNode.replaceChild(fragment, n);
      }
    });
    if (first && !location.hash && first.scrollIntoView) first.scrollIntoView({ block: "center" });
  }

  // --- The user interface ----------------------------------------------------------------
  var input = document.getElementById("search-input");
  var form = input && input.form;
  var container = input && (input.closest(".search") || input.parentNode);
  var panel;
  var list;
  var status;
  var selects = {};
  var results = [];
  var active = -1;
  var seq = 0;
  var listScrolled = false;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function setStatus(text) { if (status) status.textContent = text; }

  function selected() {
    var out = {};
    Object.keys(selects).forEach(function (k) { out[k] = selects[k].value ? fold(selects[k].value) : ""; });
    return out;
  }

  function buildPanel() {
    panel = el("div", "search-panel");
    panel.id = "search-panel";
    panel.hidden = true;
    var filters = el("div", "search-filters");
    [["type", "Any type"], ["owner", "Any owner"], ["state", "Any review state"], ["tag", "Any tag"]].forEach(function (f) {
      var select = el("select", "search-filter");
      select.setAttribute("aria-label", "Filter by " + f[0]);
      select.name = "search-" + f[0];
      select.appendChild(el("option", "", f[1])).value = "";
      selects[f[0]] = select;
      select.addEventListener("change", function () { update(); input.focus(); });
      filters.appendChild(select);
    });
    status = el("p", "search-status");
    status.setAttribute("role", "status");
    list = el("ul", "search-results");
    list.id = "search-results";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Search results");
    list.addEventListener("scroll", function () { listScrolled = list.scrollTop > 0; });
    panel.appendChild(filters);
    panel.appendChild(status);
    panel.appendChild(list);
    container.appendChild(panel);
    input.setAttribute("aria-controls", "search-results");
  }

  function fillFilters() {
    var labels = { "ok": "Reviewed", "due-soon": "Review due soon", "stale": "Stale", "never-reviewed": "Never reviewed", "exempt": "No review needed" };
    index.types.forEach(function (t) { selects.type.appendChild(el("option", "", t[1])).value = t[0]; });
    index.owners.forEach(function (o) { selects.owner.appendChild(el("option", "", o)).value = o; });
    index.states.forEach(function (s) { selects.state.appendChild(el("option", "", labels[s] || s)).value = s; });
    index.tags.forEach(function (t) { selects.tag.appendChild(el("option", "", t)).value = t; });
  }

  function open(yes) {
    panel.hidden = !yes;
    input.setAttribute("aria-expanded", yes ? "true" : "false");
  }

  function targetUrl(r, queryTerms) {
    var d = index.docs[r.doc];
    var url = root + d[1];
    if (queryTerms.length) url += "?highlight=" + encodeURIComponent(queryTerms.join(" "));
    if (r.heading >= 0) url += "#" + encodeURIComponent(d[6][r.heading][1]);
    return url;
  }

  var STATE_LABELS = { "ok": "", "due-soon": "review due soon", "stale": "stale", "never-reviewed": "never reviewed", "exempt": "" };

  // Snippets are loaded once typing pauses: a list that is gone by the next keystroke does
  // not fetch any.
  var SNIPPET_DELAY = 80;
  var snippetTimer = null;

  function render(parsed, found, started) {
    results = found.top;
    active = results.length ? 0 : -1;
    // Built aside and put in at once: one layout for the list, not one per result.
    var items = document.createDocumentFragment();
    var wanted = [];
    results.forEach(function (r, k) {
      var d = index.docs[r.doc];
      var li = el("li", "search-result");
      li.id = "search-result-" + k;
      li.setAttribute("role", "option");
      var a = el("a");
      a.href = targetUrl(r, parsed.terms);
      var title = el("span", "search-title");
      appendMarked(title, d[0], parsed.terms);
      a.appendChild(title);
      if (r.heading >= 0) {
        var heading = el("span", "search-heading");
        appendMarked(heading, d[6][r.heading][0], parsed.terms);
        a.appendChild(heading);
      }
      var meta = [index.types[d[2]][1]];
      if (d[3].length) meta.push(d[3].map(function (o) { return index.owners[o]; }).join(", "));
      var state = STATE_LABELS[index.states[d[4]]];
      if (state) meta.push(state);
      a.appendChild(el("span", "search-meta search-state-" + index.states[d[4]], meta.join(" · ")));
      var snippet = el("span", "search-snippet");
      a.appendChild(snippet);
      li.appendChild(a);
      li.addEventListener("mousemove", function () { setActive(k); });
      items.appendChild(li);
      wanted.push([r.target, snippet]);
    });
    clearTimeout(snippetTimer);
    snippetTimer = setTimeout(function () {
      wanted.forEach(function (w) {
        var target = w[0];
        var snippet = w[1];
        var chunk = Math.floor(target / index.chunk);
        load("s-" + chunk, function (args) {
          if (!args || !args[0] || !snippet.isConnected) return;
          var text = args[0][target - chunk * index.chunk] || "";
          appendMarked(snippet, excerpt(text, parsed.terms), parsed.terms);
        });
      });
    }, SNIPPET_DELAY);
    list.textContent = "";
    list.appendChild(items);
    // Back to the top only if the list was scrolled: setting scrollTop lays the page out
    // there and then, which took longer than building the list. (In the default theme the
    // list never scrolls, the panel around it does.)
    if (listScrolled) {
      list.scrollTop = 0;
      listScrolled = false;
    }
    setActive(active, false);
    var n = found.total;
    if (!parsed.terms.length && n === 0) setStatus("Type to search the handbook.");
    else setStatus(n === 0 ? "No results." : n === 1 ? "1 result" : n > MAX_RESULTS ? n + " results, the first " + MAX_RESULTS + " shown" : n + " results");
    var ms = performance.now() - started;
    panel.setAttribute("data-search-ms", ms.toFixed(1));
    window.OPSBOOK_SEARCH.lastMs = ms;
    window.OPSBOOK_SEARCH.done += 1;
  }

  // Marks result k as the chosen one; `scroll` brings it into view (arrow keys; a new list
  // starts at its top anyway, and asking for a layout on every keystroke is slow).
  function setActive(k, scroll) {
    var items = list.children;
    for (var i = 0; i < items.length; i++) {
      items[i].setAttribute("aria-selected", i === k ? "true" : "false");
      items[i].classList.toggle("active", i === k);
    }
    active = k;
    if (k >= 0 && items[k]) {
      input.setAttribute("aria-activedescendant", items[k].id);
      if (scroll !== false && items[k].scrollIntoView) items[k].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function update() {
    var q = input.value;
    var mine = ++seq;
    var started = performance.now();
    open(true);
    search(q, function (parsed, found) {
      if (mine !== seq) return;
      render(parsed, found, started);
    });
  }

  function go() {
    var items = list.children;
    var k = active >= 0 ? active : 0;
    var a = items[k] && items[k].querySelector("a");
    if (a) window.location.href = a.href;
  }

  window.OPSBOOK_SEARCH = { fold: fold, terms: terms, search: search, lastMs: null, done: 0, ready: false };

  var params = new URLSearchParams(window.location.search);
  var highlight = params.get("highlight");
  if (highlight) highlightPage(highlight);

  if (!input || !container) return;
  buildPanel();
  withIndex(fillFilters);
  warmUp();
  input.addEventListener("input", update);
  input.addEventListener("focus", function () { if (input.value) open(true); });
  input.addEventListener("keydown", function (e) {
    var n = Math.min(results.length, MAX_RESULTS);
    if (e.key === "ArrowDown") {
      e.preventDefault();
      if (n) setActive((active + 1) % n);
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      if (n) setActive((active - 1 + n) % n);
    } else if (e.key === "Enter") {
      e.preventDefault();
      go();
    } else if (e.key === "Escape") {
      open(false);
    }
  });
  if (form) form.addEventListener("submit", function (e) { e.preventDefault(); go(); });
  document.addEventListener("click", function (e) {
    if (!container.contains(e.target)) open(false);
  });
  var q = params.get("q");
  if (q) {
    input.value = q;
    input.focus();
    update();
  } else if (input.value || document.activeElement === input) {
    if (input.value) update();
  }
})();
