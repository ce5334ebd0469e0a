#!/usr/bin/env python3
"""Soak `opsbook serve`: an hour of serving with an edit every 5 s and `wrk -c5` alongside.

The soak row of RELIABILITY's load table, as a script (it is not part of CI: it takes an hour).

    python3 bench/soak.py target/bench-data/handbook-1000-s1
    python3 bench/soak.py HANDBOOK --minutes 5 --json soak.json     # a short rehearsal

What it does: copies the handbook to a scratch folder, starts `opsbook serve -p PORT` on the
copy, waits for the first build, opens a reload channel (as an open page would), then starts
`wrk -t1 -c5` (at the lowest CPU priority, so the server is never starved by its own load)
against a typical page for the whole run. Every --edit-every seconds it edits a page's body
(what an author does; with --full-every N, every Nth edit changes a title instead, which
rebuilds everything), and checks
that the reload event arrives and that the served page has the edit (from the end of the write
to the first response with it). Every minute it samples the server's threads, open file
descriptors and resident memory from /proc.

At the end it prints a verdict against the soak criteria:

- no growth in file descriptors or threads (last sample within a few of the first one taken
  after warm-up: `--slack`);
- resident memory stable within +/-20% of the first sample after warm-up;
- rebuild p95 < 1 s (from the server's own "Rebuilt"/"Updated" lines);
- every edit seen: each one served and each one announced on the reload channel (an HTTP
  client reading the event stream stands in for the browser);
- wrk: no socket errors and no non-2xx answers.

Exit status 0 when every criterion holds, 1 otherwise. Linux only (/proc). Standard library
plus `wrk` (Debian package).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serve_latency import Reloads, free_port, get, served_after  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
TIMES = re.compile(r"^(?:Rebuilt|Updated) .* in (\d+) ms$")


def sample(pid: int) -> dict:
    status = Path(f"/proc/{pid}/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return {
        "threads": int(fields["Threads"].strip()),
        "rss_mib": int(fields["VmRSS"].split()[0]) / 1024,
        "fds": len(os.listdir(f"/proc/{pid}/fd")),
    }


def pages(content: Path) -> list[Path]:
    found = sorted(p for p in content.rglob("*.md") if p.name != "index.md")
    step = max(1, len(found) // 7)
    return found[::step][:6]


def url_of(content: Path, page: Path) -> str:
    return "/" + page.relative_to(content).with_suffix(".html").as_posix()


def percentile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def edit(page: Path, original: str, k: int, token: str, full_every: int) -> None:
    """A body edit, or every `full_every`th time a title edit (which rebuilds everything)."""
    text = original + f"\nSoak edit {token}.\n"
    if full_every and k % full_every == full_every - 1:
        text = re.sub(r'(?m)^title: "?(.*?)"?$', lambda m: f'title: "{m.group(1)} {token}"', text, 1)
    with open(page, "w", encoding="utf-8") as f:
        f.write(text)


def parse_wrk(out: str) -> dict:
    result: dict = {"raw": out}
    m = re.search(r"(\d+) requests in", out)
    result["requests"] = int(m.group(1)) if m else None
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    result["socket_errors"] = sum(int(g) for g in m.groups()) if m else 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    result["non_2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"^\s+99%\s+(\S+)", out, re.M)
    result["p99"] = m.group(1) if m else None
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("handbook", type=Path)
    ap.add_argument("--opsbook", type=Path, default=REPO / "target/release/opsbook")
    ap.add_argument("--minutes", type=float, default=60)
    ap.add_argument("--edit-every", type=float, default=5)
    ap.add_argument("--connections", type=int, default=5)
    ap.add_argument("--full-every", type=int, default=0,
                    help="every Nth edit changes a title (a whole rebuild); 0: body edits only")
    ap.add_argument("--warmup", type=float, default=1, help="minutes before the baseline sample")
    ap.add_argument("--slack", type=int, default=10, help="fds/threads allowed above baseline")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    if not args.opsbook.exists():
        sys.exit(f"{args.opsbook} is missing: run `cargo build --release` first")
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: `apt-get install wrk`")

    scratch = Path(tempfile.mkdtemp(prefix="opsbook-soak-"))
    site = scratch / "handbook"
    shutil.copytree(args.handbook, site, ignore=shutil.ignore_patterns("book", ".opsbook-cache"))
    content = site / "content"
    edited = pages(content)
    originals = {p: p.read_text(encoding="utf-8") for p in edited}
    port = free_port()
    log_path = scratch / "serve.log"
    log = open(log_path, "w")
    server = subprocess.Popen(
        [str(args.opsbook), "serve", str(site), "-p", str(port)],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    wrk = None
    failures: list[str] = []
    try:
        started = time.monotonic()
        while True:
            try:
                if get(port, "/"):
                    break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() - started > 300:
                sys.exit(f"the server did not start:\n{log_path.read_text()[-2000:]}")
            time.sleep(0.1)
        reloads = Reloads(port)
        target = url_of(content, edited[0])
        wrk = subprocess.Popen(
            ["wrk", "-t1", f"-c{args.connections}", f"-d{int(args.minutes * 60) + 5}s",
             "--latency", f"http://127.0.0.1:{port}{target}"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            preexec_fn=lambda: os.nice(19))

        t_start = time.monotonic()
        end = t_start + args.minutes * 60
        samples: list[dict] = []
        served: list[float] = []
        missed_served = missed_reload = 0
        next_sample = t_start
        k = 0
        while time.monotonic() < end:
            now = time.monotonic()
            if now >= next_sample:
                s = sample(server.pid)
                s["minute"] = round((now - t_start) / 60, 1)
                samples.append(s)
                print(f"[{s['minute']:5.1f} min] threads {s['threads']:3d}  fds {s['fds']:3d}  "
                      f"rss {s['rss_mib']:7.1f} MiB  edits {k}  "
                      f"missed {missed_served}/{missed_reload}", flush=True)
                next_sample += 60
            page = edited[k % len(edited)]
            url = url_of(content, page)
            token = f"soak-{os.getpid()}-{k}"
            edit(page, originals[page], k, token, args.full_every)
            t0 = time.perf_counter()
            took = served_after(port, url, token, t0, 10, pause=0.005)
            if took is None:
                missed_served += 1
                failures.append(f"edit {k} of {url} not served within 10 s")
            else:
                served.append(took)
            if reloads.after(t0, 10) is None:
                missed_reload += 1
                failures.append(f"edit {k} of {url}: no reload event within 10 s")
            k += 1
            if server.poll() is not None:
                failures.append(f"the server exited with {server.returncode}")
                break
            time.sleep(max(0.0, args.edit_every - (time.perf_counter() - t0)))
        samples.append({**sample(server.pid), "minute": round((time.monotonic() - t_start) / 60, 1)})

        wrk_out, _ = wrk.communicate(timeout=120)
        wrk_result = parse_wrk(wrk_out)
    finally:
        if wrk is not None and wrk.poll() is None:
            wrk.terminate()
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()

    rebuilds = [int(m.group(1)) for line in log_path.read_text().splitlines()
                if (m := TIMES.match(line.strip()))]
    base = next((s for s in samples if s["minute"] >= args.warmup), samples[0])
    last = samples[-1]
    rss = [s["rss_mib"] for s in samples if s["minute"] >= base["minute"]]
    checks = [
        ("file descriptors do not grow",
         last["fds"] <= base["fds"] + args.slack,
         f"{base['fds']} after warm-up, {last['fds']} at the end, max {max(s['fds'] for s in samples)}"),
        ("threads do not grow",
         last["threads"] <= base["threads"] + args.slack,
         f"{base['threads']} after warm-up, {last['threads']} at the end, "
         f"max {max(s['threads'] for s in samples)}"),
        ("memory stable within +/-20%",
         all(abs(r - base["rss_mib"]) <= 0.2 * base["rss_mib"] for r in rss),
         f"{base['rss_mib']:.1f} MiB after warm-up, {min(rss):.1f}-{max(rss):.1f} MiB since, "
         f"{last['rss_mib']:.1f} at the end"),
        ("rebuild p95 < 1 s",
         bool(rebuilds) and percentile(rebuilds, 0.95) < 1000,
         f"{len(rebuilds)} rebuilds, median {statistics.median(rebuilds) if rebuilds else 0:.0f} ms, "
         f"p95 {percentile(rebuilds, 0.95) if rebuilds else 0:.0f} ms, max {max(rebuilds, default=0)} ms"),
        ("every edit seen",
         k > 0 and missed_served == 0 and missed_reload == 0,
         f"{k} edits, {missed_served} not served, {missed_reload} without a reload event; "
         f"served after median {statistics.median(served) * 1000 if served else 0:.1f} ms, "
         f"p95 {percentile(served, 0.95) * 1000 if served else 0:.1f} ms"),
        ("wrk: no errors",
         wrk_result["requests"] is not None and wrk_result["socket_errors"] == 0
         and wrk_result["non_2xx"] == 0,
         f"{wrk_result['requests']} requests, {wrk_result['socket_errors']} socket errors, "
         f"{wrk_result['non_2xx']} non-2xx, p99 {wrk_result['p99']}"),
    ]
    print(f"\nSoak of {args.minutes:g} min on {args.handbook}:")
    for name, ok, detail in checks:
        print(f"  {'PASS' if ok else 'FAIL'}  {name}: {detail}")
    for f in failures[:10]:
        print(f"  - {f}")
    verdict = all(ok for _, ok, _ in checks)
    print(f"Verdict: {'PASS' if verdict else 'FAIL'}")
    if args.json:
        args.json.write_text(json.dumps({
            "minutes": args.minutes, "samples": samples, "rebuild_ms": rebuilds,
            "served_ms": [round(x * 1000, 2) for x in served], "edits": k,
            "wrk": {k2: v for k2, v in wrk_result.items() if k2 != "raw"},
            "checks": [{"name": n, "ok": ok, "detail": d} for n, ok, d in checks],
        }, indent=2))
    shutil.rmtree(scratch, ignore_errors=True)
    return 0 if verdict else 1


if __name__ == "__main__":
    sys.exit(main())
