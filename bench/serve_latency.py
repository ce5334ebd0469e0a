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
    python3 bench/serve_latency.py HANDBOOK --tools opsbook,hugo,zola,zola-fast,mdbook

Peers (Hugo, Zola, mdBook) serve the same pages converted by bench/peers.py, as the build
benchmark does; for them only the first response with the edit is measured (their reload
channels are websockets).
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import socket
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


def served_after(port: int, url: str, token: str, t0: float, timeout: float,
                 pause: float = 0.0) -> float | None:
    """Fetches `url` until its body has `token`: the seconds since `t0`, or None after
    `timeout`. `pause` between fetches (none: as a browser reloading in a tight loop)."""
    while True:
        try:
            body = get(port, url)
        except OSError:
            body = b""
        if token.encode() in body:
            return time.perf_counter() - t0
        if time.perf_counter() - t0 > timeout:
            return None
        if pause:
            time.sleep(pause)


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Tool:
    """A dev server to measure: how to start it on a copy of its site, where the edited page's
    source is and at which URL it is served."""

    def __init__(self, name: str, binary: str | None):
        self.name = name
        self.binary = binary

    def prepare(self, handbook: Path, scratch: Path) -> Path:
        """Copies the site sources for this tool into scratch; returns the copy."""
        if self.name == "opsbook":
            src = handbook
        else:
            import peers  # bench/peers.py: the same conversion the build benchmark uses
            kind = "zola" if self.name.startswith("zola") else self.name
            src = peers.ensure_site(kind, handbook, lambda m: print(m, file=sys.stderr))
        dest = scratch / self.name
        shutil.copytree(src, dest, ignore=shutil.ignore_patterns("book", ".opsbook-cache", "public"))
        return dest

    def source(self, site: Path, rel: str) -> Path:
        return site / ("src" if self.name == "mdbook" else "content") / rel

    def url(self, rel: str) -> str:
        stem = rel[:-3]
        if self.name in ("opsbook", "mdbook"):
            return "/" + stem + ".html"
        return "/" + stem + "/"  # Hugo and Zola: pretty URLs

    def command(self, site: Path, port: int) -> list[str]:
        b = self.binary or self.name
        if self.name == "opsbook":
            return [b, "serve", str(site), "-p", str(port), "--today", "2026-11-21"]
        if self.name == "hugo":
            return [b, "server", "--source", str(site), "--port", str(port), "--bind", "127.0.0.1",
                    "--baseURL", f"http://127.0.0.1:{port}/", "--appendPort=false", "--quiet"]
        if self.name == "mdbook":
            return [b, "serve", str(site), "-p", str(port), "-n", "127.0.0.1"]
        extra = ["--fast", "--debounce", "50"] if self.name == "zola-fast" else []
        return [b, "--root", str(site), "serve", "--port", str(port), "--interface", "127.0.0.1",
                "--output-dir", str(site / "public"), "--force", *extra]


def measure(tool: Tool, handbook: Path, rel: str, args: argparse.Namespace) -> dict:
    scratch = Path(tempfile.mkdtemp(prefix=f"serve-bench-{tool.name}-"))
    proc = None
    try:
        site = tool.prepare(handbook, scratch)
        page = tool.source(site, rel)
        url = tool.url(rel)
        port = free_port()
        log = open(scratch / "server.log", "w")
        proc = subprocess.Popen(tool.command(site, port), stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
        started = time.perf_counter()
        while True:
            try:
                if get(port, url):
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.perf_counter() - started > args.timeout:
                log.close()
                tail = (scratch / "server.log").read_text(errors="replace")[-2000:]
                print(f"{tool.name}: did not serve {url}:\n{tail}", file=sys.stderr)
                return {}
            time.sleep(0.05)
        ready = time.perf_counter() - started
        reloads = Reloads(port) if tool.name == "opsbook" else None
        time.sleep(0.5)
        original = page.read_text(encoding="utf-8")
        served: list[float] = []
        reload: list[float] = []
        for k in range(args.edits):
            token = f"edit-token-{os.getpid()}-{tool.name}-{k}"
            with open(page, "w", encoding="utf-8") as f:
                f.write(original + f"\nA sentence with {token}.\n")
            t0 = time.perf_counter()
            took = served_after(port, url, token, t0, args.timeout)
            if took is None:
                print(f"{tool.name}: edit {k} not served within {args.timeout} s", file=sys.stderr)
                return {"ready": ready, "served": served, "reload": reload}
            served.append(took)
            if reloads is not None:
                r = reloads.after(t0, args.timeout)
                if r is not None:
                    reload.append(r)
            time.sleep(args.gap)
        page.write_text(original, encoding="utf-8")
        return {"ready": ready, "served": served, "reload": reload}
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(scratch, ignore_errors=True)


def summary(xs: list[float]) -> str:
    if not xs:
        return "no data"
    xs = sorted(xs)
    p90 = xs[min(len(xs) - 1, int(round(0.9 * (len(xs) - 1))))]
    return (f"median {statistics.median(xs) * 1000:7.1f} ms   p90 {p90 * 1000:7.1f} ms   "
            f"max {xs[-1] * 1000:7.1f} ms   (n={len(xs)})")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("handbook", type=Path)
    ap.add_argument("--opsbook", type=Path, default=REPO / "target/release/opsbook")
    ap.add_argument("--tools", default="opsbook",
                    help="comma-separated: opsbook, hugo, zola, zola-fast (--fast --debounce 50), "
                         "mdbook; peers are found on PATH or given with --hugo/--zola/--mdbook")
    ap.add_argument("--hugo")
    ap.add_argument("--zola")
    ap.add_argument("--mdbook")
    ap.add_argument("--edits", type=int, default=20)
    ap.add_argument("--gap", type=float, default=1.0, help="seconds between edits")
    ap.add_argument("--timeout", type=float, default=120.0)
    args = ap.parse_args()
    if not args.opsbook.exists():
        subprocess.run(["cargo", "build", "--release"], cwd=REPO, check=True)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    handbook = args.handbook.resolve()
    rel = str(pick_page(handbook / "content").relative_to(handbook / "content"))
    print(f"handbook {args.handbook}; editing the body of content/{rel}; "
          f"{args.edits} edits {args.gap} s apart per tool")
    for name in [t.strip() for t in args.tools.split(",") if t.strip()]:
        if name == "opsbook":
            binary = str(args.opsbook)
        else:
            peer = "zola" if name.startswith("zola") else name
            binary = getattr(args, peer, None) or shutil.which(peer)
            if not binary:
                print(f"{name:>9}: skipped ({peer} is not installed; --{peer} PATH)")
                continue
        r = measure(Tool(name, binary), handbook, rel, args)
        if not r:
            print(f"{name:>9}: failed (see above)")
            continue
        print(f"{name:>9}: served {summary(r['served'])}; first page after {r['ready']:.1f} s")
        if r["reload"]:
            print(f"{'':>9}  reload {summary(r['reload'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
