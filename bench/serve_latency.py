#!/usr/bin/env python3
"""Measure `opsbook serve`: from the end of a save to the first response that has the edit.

Copies a handbook to a scratch folder, starts `opsbook serve -p 0` on it, waits for the first
build, then edits one page's body --edits times (one edit at a time, --gap seconds apart). For
each edit it records:

- served: from the end of the write to the first GET of the page whose body has the edit
  (the page is fetched in a tight loop, as a browser reloading would);
- reload: from the end of the write to the reload event on the page's event stream.

Both include the watcher's debounce. Prints medians, p90 and max. Standard library only.

    python3 bench/serve_latency.py target/bench-data/handbook-1000-s1
    python3 bench/serve_latency.py HANDBOOK --edits 30 --opsbook target/release/opsbook
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def pick_page(content: Path) -> Path:
    pages = sorted(p for p in content.rglob("*.md") if p.name != "index.md")
    return pages[len(pages) // 2]


def get(port: int, path: str) -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"Host": f"127.0.0.1:{port}"})
        return conn.getresponse().read()
    finally:
        conn.close()


class Reloads:
    """Reads the reload stream and notes when each event arrives."""

    def __init__(self, port: int):
        self.times: list[float] = []
        self.cond = threading.Condition()
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        self.conn.request(
            "GET",
            "/_opsbook/reload",
            headers={"Host": f"127.0.0.1:{port}", "Accept": "text/event-stream"},
        )
        self.resp = self.conn.getresponse()
        threading.Thread(target=self.run, daemon=True).start()

    def run(self) -> None:
        event = ""
        while True:
            line = self.resp.fp.readline()
            if not line:
                return
            line = line.decode("utf-8", "replace").rstrip("\r\n")
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line == "":
                if event in ("reload", "build", ""):
                    with self.cond:
                        self.times.append(time.perf_counter())
                        self.cond.notify_all()
                event = ""

    def after(self, t0: float, timeout: float) -> float | None:
        end = time.perf_counter() + timeout
        with self.cond:
            while True:
                later = [t for t in self.times if t > t0]
                if later:
                    return later[0] - t0
                left = end - time.perf_counter()
                if left <= 0:
                    return None
                self.cond.wait(left)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("handbook", type=Path)
    ap.add_argument("--opsbook", type=Path, default=REPO / "target/release/opsbook")
    ap.add_argument("--edits", type=int, default=20)
    ap.add_argument("--gap", type=float, default=1.0, help="seconds between edits")
    ap.add_argument("--timeout", type=float, default=120.0)
    args = ap.parse_args()
    if not args.opsbook.exists():
        subprocess.run(["cargo", "build", "--release"], cwd=REPO, check=True)

    scratch = Path(tempfile.mkdtemp(prefix="opsbook-serve-bench-"))
    proc = None
    try:
        book = scratch / "handbook"
        shutil.copytree(args.handbook, book, ignore=shutil.ignore_patterns("book", ".opsbook-cache"))
        page = pick_page(book / "content")
        url = "/" + str(page.relative_to(book / "content"))[:-3] + ".html"
        proc = subprocess.Popen(
            [str(args.opsbook), "serve", str(book), "-p", "0", "--today", "2026-11-21"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        port = None
        started = time.perf_counter()
        assert proc.stdout is not None
        for line in proc.stdout:
            m = re.search(r"Serving on http://127\.0\.0\.1:(\d+)/", line)
            if m:
                port = int(m.group(1))
                break
            if time.perf_counter() - started > args.timeout:
                break
        if port is None:
            print("serve did not start", file=sys.stderr)
            return 1
        threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
        print(f"serving {args.handbook} on port {port} after {time.perf_counter() - started:.2f} s;"
              f" editing {url}")
        reloads = Reloads(port)
        time.sleep(0.5)
        original = page.read_text(encoding="utf-8")
        served: list[float] = []
        reload: list[float] = []
        for k in range(args.edits):
            token = f"edit-token-{os.getpid()}-{k}"
            text = original + f"\nA sentence with {token}.\n"
            with open(page, "w", encoding="utf-8") as f:
                f.write(text)
            t0 = time.perf_counter()
            while True:
                body = get(port, url)
                if token.encode() in body:
                    served.append(time.perf_counter() - t0)
                    break
                if time.perf_counter() - t0 > args.timeout:
                    print(f"edit {k}: not served within {args.timeout} s", file=sys.stderr)
                    return 1
            r = reloads.after(t0, args.timeout)
            if r is not None:
                reload.append(r)
            time.sleep(args.gap)
        page.write_text(original, encoding="utf-8")

        def line(name: str, xs: list[float]) -> str:
            if not xs:
                return f"{name:>8}: no data"
            xs = sorted(xs)
            p90 = xs[min(len(xs) - 1, int(round(0.9 * (len(xs) - 1))))]
            return (f"{name:>8}: median {statistics.median(xs) * 1000:7.1f} ms   "
                    f"p90 {p90 * 1000:7.1f} ms   max {xs[-1] * 1000:7.1f} ms   (n={len(xs)})")

        print(line("served", served))
        print(line("reload", reload))
        return 0
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
