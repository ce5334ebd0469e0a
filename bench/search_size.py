#!/usr/bin/env python3
"""Size and latency of the search index of a built site.

    python3 bench/search_size.py BUILT_SITE [--query "database failover"] [--chromium PATH]

Reports
- the index on disk: files, total bytes, total gzip-compressed bytes;
- the first-result download: every file the browser loaded before the first result list
  (search.js, the manifest, the term shards of the query and those prefetched while it was
  typed, counted whole even if given up, the snippet chunks of the results shown), raw and
  gzip-compressed;
- with Chromium (skipped with a note when none is found): the time from focusing the box to
  the index being loaded (the download, from localhost), then, the query typed letter by
  letter, the time from the first keystroke to its result list and from each further
  keystroke to its list (median and maximum; term shards fetched on the way included).

Standard library only. The site is served from a loopback port by a small HTTP server in
this process; the measuring page posts its figures back to it.
"""

import argparse
import gzip
import http.server
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import urllib.parse

DRIVER = r"""
<script>
window.addEventListener("load", function () {
  var QUERY = %(query)s;
  var input = document.getElementById("search-input");
  function post(data) {
    var x = new XMLHttpRequest();
    x.open("POST", "/__report", true);
    x.send(JSON.stringify(data));
  }
  function waitUntil(ok, then) {
    (function poll() {
      if (ok()) then();
      else setTimeout(poll, 1);
    })();
  }
  // Focusing the box loads the client and the index: the download.
  var t0 = performance.now();
  input.focus();
  waitUntil(function () { return window.OPSBOOK_SEARCH && window.OPSBOOK_SEARCH.ready; }, function () {
    var download = performance.now() - t0;
    // Then the query letter by letter, as a reader types it; each keystroke until its
    // result list is drawn (term shards fetched on the way included).
    var keys = [];
    var fetches = [];
    var k = 0;
    var done = window.OPSBOOK_SEARCH.done;
    (function next() {
      if (k >= QUERY.length) {
        // Snippets arrive after the list; give them a moment, then record what was loaded.
        setTimeout(function () {
          // Every file the page fetched or ran (over http the index files are fetched).
          var loaded = performance.getEntriesByType("resource").map(function (e) {
            return new URL(e.name).pathname.replace(/^\/+/, "");
          }).filter(function (p) { return p.indexOf("__report") < 0; });
          var results = document.querySelectorAll(".search-result").length;
          post({ download_ms: download, loaded: loaded, results: results, keystroke_ms: keys, fetches: fetches });
        }, 300);
        return;
      }
      input.value = QUERY.slice(0, ++k);
      var start = performance.now();
      input.dispatchEvent(new Event("input", { bubbles: true }));
      waitUntil(function () { return window.OPSBOOK_SEARCH.done > done; }, function () {
        done = window.OPSBOOK_SEARCH.done;
        keys.push(performance.now() - start);
        // The files this keystroke fetched, and how long the longest fetch took.
        var fetched = performance.getEntriesByType("resource").filter(function (e) {
          return e.startTime >= start;
        });
        fetches.push([fetched.length, fetched.reduce(function (m, e) { return Math.max(m, e.duration); }, 0)]);
        setTimeout(next, 5);
      });
    })();
  });
});
</script>
</body>"""


def gz(data):
    return len(gzip.compress(data, 6))


def find_chromium(given):
    for c in [given, os.environ.get("OPSBOOK_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"]:
        if c and shutil.which(c):
            return shutil.which(c)
    return None


def measure(site, query, chromium):
    report = {}
    done = threading.Event()

    class Handler(http.server.SimpleHTTPRequestHandler):
        # Keep-alive, as any real web server does: no new connection per index file. And no
        # Nagle: http.server writes the head and the body apart, and Nagle's algorithm with
        # delayed ACKs then holds the body back 40 ms, which no real server does.
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def __init__(self, *a, **kw):
            super().__init__(*a, directory=site, **kw)

        def log_message(self, *a):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            report.update(json.loads(body))
            self.send_response(204)
            self.end_headers()
            done.set()

    class Server(http.server.ThreadingHTTPServer):
        # The client gives up prefetches it no longer needs, and the browser then drops the
        # connection: not an error worth a traceback.
        def handle_error(self, request, client_address):
            if not isinstance(sys.exc_info()[1], ConnectionError):
                super().handle_error(request, client_address)

    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    page = os.path.join(site, "__search_bench.html")
    with open(os.path.join(site, "index.html"), encoding="utf-8") as f:
        html = f.read()
    with open(page, "w", encoding="utf-8") as f:
        f.write(html.replace("</body>", DRIVER % {"query": json.dumps(query)}, 1))
    profile = tempfile.mkdtemp(prefix="search-bench-")
    url = "http://127.0.0.1:%d/__search_bench.html" % server.server_address[1]
    proc = subprocess.Popen(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--user-data-dir=" + profile, "--remote-debugging-port=0", url],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if not done.wait(120):
            print("chromium did not report within 120 s", file=sys.stderr)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        server.shutdown()
        os.remove(page)
        shutil.rmtree(profile, ignore_errors=True)
    return report


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("site", help="a site built by opsbook build")
    ap.add_argument("--query", default="database failover")
    ap.add_argument("--chromium", help="the browser to run (default: chromium on PATH)")
    args = ap.parse_args()
    site = os.path.abspath(args.site)
    index_dir = os.path.join(site, "_opsbook", "search")
    if not os.path.isdir(index_dir):
        sys.exit("%s has no _opsbook/search: not a site built by opsbook with search" % site)

    files = sorted(os.listdir(index_dir))
    raw = 0
    packed = 0
    for name in files:
        with open(os.path.join(index_dir, name), "rb") as f:
            data = f.read()
        raw += len(data)
        packed += gz(data)
    print("index: %d files, %.1f MB, %.1f MB gzip-compressed" % (len(files), raw / 1e6, packed / 1e6))

    chromium = find_chromium(args.chromium)
    if not chromium:
        print("latency: skipped (no Chromium found; --chromium PATH)")
        return
    r = measure(site, args.query, chromium)
    if not r:
        sys.exit("no figures from the browser")
    first_raw = 0
    first_gz = 0
    names = []
    for src in dict.fromkeys(r["loaded"]):
        path = urllib.parse.unquote(urllib.parse.urlparse(src).path.lstrip("/"))
        if "_opsbook/search" not in path:
            continue
        with open(os.path.join(site, path), "rb") as f:
            data = f.read()
        first_raw += len(data)
        first_gz += gz(data)
        names.append(path.rsplit("/", 1)[-1])
    print("first-result download for %r: %d files (%s), %.2f MB, %.2f MB gzip-compressed"
          % (args.query, len(names), " ".join(names), first_raw / 1e6, first_gz / 1e6))
    keys = r["keystroke_ms"]
    print("results: %d; the client and index loaded in %.0f ms after focusing the box "
          "(files from localhost)" % (r["results"], r["download_ms"]))
    print("first keystroke to its result list: %.1f ms" % keys[0])
    if len(keys) > 1:
        rest = keys[1:]
        print("each further keystroke (%d keys): median %.1f ms, max %.1f ms"
              % (len(rest), statistics.median(rest), max(rest)))
        print("  by keystroke: " + " ".join("%r %.0f" % (args.query[:k + 1], ms)
                                          for k, ms in enumerate(keys)))
        fetching = [(args.query[:k + 1], ms, f) for k, (ms, f) in enumerate(zip(keys, r.get("fetches", [])))
                    if f[0]]
        if fetching:
            print("  keystrokes that fetched files: " + "; ".join(
                "%r %.0f ms (%d file%s, longest fetch %.0f ms)" % (q, ms, f[0], "" if f[0] == 1 else "s", f[1])
                for q, ms, f in fetching))

if __name__ == "__main__":
    main()
