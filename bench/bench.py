#!/usr/bin/env python3
"""Benchmark `opsbook build` on synthetic handbooks.

Builds the handbook generator (bench/gen_handbook.rs) and a release opsbook, generates one
handbook per size (cached), then times clean builds: one warm-up run and --runs measured runs per
size. Reports the median, min and max wall time, the child's peak RSS, and the size of the output.
With --baseline, adds current/baseline ratios; with --save, writes the results as JSON.

Standard library only; Python 3.9+; Linux or macOS (it needs os.wait4 for the peak RSS).

    python3 bench/bench.py
    python3 bench/bench.py --pages 1000,10000 --runs 5 --save before.json
    python3 bench/bench.py --baseline before.json
"""

from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, NoReturn, Optional, Tuple

REPO = Path(__file__).resolve().parent.parent
GENERATOR_SRC = REPO / "bench" / "gen_handbook.rs"
SCHEMA = 1

# A floor for any tool: read every file under content/ and write it out again, one file per
# input. It shows how much of a build is plain I/O on this machine. Disabled by default; run it
# with --tools opsbook,floor.
FLOOR_SCRIPT = r"""
import os, sys
src = os.path.join(sys.argv[1], "content")
out = sys.argv[2]
for d, _, files in os.walk(src):
    rel = os.path.relpath(d, src)
    os.makedirs(os.path.join(out, rel), exist_ok=True)
    for f in files:
        with open(os.path.join(d, f), "rb") as fh:
            data = fh.read()
        name = f[:-3] + ".html" if f.endswith(".md") else f
        with open(os.path.join(out, rel, name), "wb") as fh:
            fh.write(data)
"""


@dataclass
class Tool:
    """One thing to benchmark: a name and a command template.

    Placeholders in the template: {opsbook} (the opsbook binary; it is built only when a selected
    tool uses it), {python} (this interpreter), {src} (the handbook directory), {out} (a fresh
    output directory that does not exist yet), {today} and {pages}.
    """

    name: str
    command: List[str]
    description: str
    enabled: bool = True


# To compare another tool, add an entry here (and run it with --tools NAME,...).
TOOLS: List[Tool] = [
    Tool(
        name="opsbook",
        command=["{opsbook}", "build", "{src}", "-d", "{out}", "--today", "{today}"],
        description="opsbook build, release profile",
    ),
    Tool(
        name="floor",
        command=["{python}", "-c", FLOOR_SCRIPT, "{src}", "{out}"],
        description="copy every input file to the output (I/O floor); disabled by default",
        enabled=False,
    ),
]


@dataclass
class Result:
    tool: str
    pages: int
    command: List[str]
    input_bytes: int
    wall_s: List[float] = field(default_factory=list)
    cpu_s: List[float] = field(default_factory=list)
    rss_kib: List[int] = field(default_factory=list)
    output_bytes: int = 0
    output_files: int = 0

    def summary(self) -> Dict[str, object]:
        return {
            "tool": self.tool,
            "pages": self.pages,
            "command": self.command,
            "input_bytes": self.input_bytes,
            "runs": len(self.wall_s),
            "wall_s": [round(x, 4) for x in self.wall_s],
            "cpu_s": [round(x, 4) for x in self.cpu_s],
            "rss_kib": self.rss_kib,
            "median_s": round(statistics.median(self.wall_s), 4),
            "min_s": round(min(self.wall_s), 4),
            "max_s": round(max(self.wall_s), 4),
            "median_cpu_s": round(statistics.median(self.cpu_s), 4),
            "median_rss_mib": round(statistics.median(self.rss_kib) / 1024, 1),
            "output_bytes": self.output_bytes,
            "output_files": self.output_files,
        }


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def die(msg: str) -> NoReturn:
    log(f"bench: error: {msg}")
    sys.exit(1)


def run_checked(cmd: List[str], cwd: Path, what: str, capture: bool = False) -> str:
    log(f"bench: {what}: {' '.join(cmd)}")
    try:
        proc = subprocess.run(
            cmd,
            cwd=str(cwd),
            stdout=subprocess.PIPE if capture else None,
            universal_newlines=True,
        )
    except FileNotFoundError:
        die(f"{what}: {cmd[0]} not found")
    if proc.returncode != 0:
        die(f"{what} failed with exit code {proc.returncode}")
    return proc.stdout or ""


# --------------------------------------------------------------------------------------------
# Building the generator and opsbook


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def generator_command(args: argparse.Namespace, data_dir: Path) -> List[str]:
    """The command prefix that runs the generator (arguments are appended)."""
    if args.use_cargo_example:
        return ["cargo", "run", "--release", "--quiet", "--example", "gen-handbook", "--"]
    exe = data_dir / "gen_handbook"
    if not exe.exists() or exe.stat().st_mtime < GENERATOR_SRC.stat().st_mtime:
        data_dir.mkdir(parents=True, exist_ok=True)
        run_checked(
            ["rustc", "-O", "--edition", "2021", str(GENERATOR_SRC), "-o", str(exe)],
            REPO,
            "building the generator",
        )
    return [str(exe)]


def build_opsbook() -> Path:
    out = run_checked(
        ["cargo", "build", "--release", "--bin", "opsbook", "--message-format=json-render-diagnostics"],
        REPO,
        "building opsbook",
        capture=True,
    )
    for line in out.splitlines():
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if (
            msg.get("reason") == "compiler-artifact"
            and msg.get("target", {}).get("name") == "opsbook"
            and msg.get("executable")
        ):
            return Path(msg["executable"])
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    exe = target / "release" / "opsbook"
    if not exe.exists():
        die(f"cargo build succeeded but {exe} is missing")
    return exe


# --------------------------------------------------------------------------------------------
# Handbooks


def ensure_handbook(gen: List[str], data_dir: Path, pages: int, seed: int) -> Path:
    """Generates the handbook once; a marker file records what generated it."""
    hb = data_dir / f"handbook-{pages}-s{seed}"
    marker = hb / ".bench-complete"
    want = {"pages": pages, "seed": seed, "generator_sha256": sha256_file(GENERATOR_SRC)}
    if marker.exists():
        try:
            if json.loads(marker.read_text()) == want:
                return hb
        except ValueError:
            pass
    if hb.exists():
        shutil.rmtree(hb)
    hb.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    run_checked(gen + ["--pages", str(pages), "--seed", str(seed), "--out", str(hb)], REPO,
                f"generating {pages} pages")
    log(f"bench: generated {pages} pages in {time.perf_counter() - t0:.2f} s")
    marker.write_text(json.dumps(want) + "\n")
    return hb


def tree_size(path: Path) -> Tuple[int, int]:
    """(bytes, files) of every regular file under path (symlinks not followed)."""
    total = files = 0
    for d, _, names in os.walk(path):
        for n in names:
            st = os.lstat(os.path.join(d, n))
            total += st.st_size
            files += 1
    return total, files


# --------------------------------------------------------------------------------------------
# Measuring


def expand(template: List[str], values: Dict[str, str]) -> List[str]:
    def one(arg: str) -> str:
        return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), arg)

    return [one(a) for a in template]


def _fork_not_vfork() -> None:
    """A no-op preexec_fn: it makes subprocess fork() instead of vfork().

    Linux carries a process's peak RSS across exec. After vfork() that is the high-water mark of
    this (parent) interpreter, however large it ever was; after fork() it is only what the child
    had mapped, a few MiB. measure_floor() reports what is left.
    """


def run_measured(cmd: List[str], ok_codes: List[int]) -> Tuple[float, float, int]:
    """Runs cmd once: (wall seconds, user+sys seconds, peak RSS in KiB). Exits on failure."""
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                                preexec_fn=_fork_not_vfork)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode not in ok_codes:
            err.seek(0)
            text = err.read().decode("utf-8", "replace")
            if len(text) > 8000:
                text = "…\n" + text[-8000:]
            log(f"bench: command failed with exit code {proc.returncode}: {' '.join(cmd)}")
            log(text.rstrip())
            sys.exit(1)
    # ru_maxrss is KiB on Linux and bytes on macOS.
    rss = usage.ru_maxrss // 1024 if sys.platform == "darwin" else usage.ru_maxrss
    return wall, usage.ru_utime + usage.ru_stime, int(rss)


def measure_once(cmd: List[str], out_dir: Path, ok_codes: List[int]) -> Tuple[float, float, int]:
    """Runs cmd once into a fresh (deleted, untimed) out_dir."""
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    return run_measured(cmd, ok_codes)


def measure_floor() -> int:
    """Peak RSS (KiB) reported for a program that does nothing: the resolution of the RSS column."""
    true = shutil.which("true")
    cmd = [true] if true else [sys.executable, "-c", ""]
    return int(statistics.median(run_measured(cmd, [0])[2] for _ in range(3)))


def bench_tool(tool: Tool, pages: int, hb: Path, args: argparse.Namespace, values: Dict[str, str],
               data_dir: Path) -> Result:
    out_dir = data_dir / "out" / f"{tool.name}-{pages}"
    v = dict(values, src=str(hb), out=str(out_dir), pages=str(pages))
    cmd = expand(tool.command, v)
    in_bytes, _ = tree_size(hb / "content")
    res = Result(tool=tool.name, pages=pages, command=tool.command, input_bytes=in_bytes)
    for i in range(args.warmup):
        wall, _, _ = measure_once(cmd, out_dir, args.ok_exit)
        log(f"bench: {tool.name} {pages} pages: warm-up {i + 1}: {wall:.3f} s")
    for i in range(args.runs):
        wall, cpu, rss = measure_once(cmd, out_dir, args.ok_exit)
        res.wall_s.append(wall)
        res.cpu_s.append(cpu)
        res.rss_kib.append(rss)
        log(f"bench: {tool.name} {pages} pages: run {i + 1}/{args.runs}: {wall:.3f} s, "
            f"{cpu:.2f} s CPU, {rss / 1024:.1f} MiB")
    res.output_bytes, res.output_files = tree_size(out_dir)
    if not args.keep_output:
        shutil.rmtree(out_dir, ignore_errors=True)
    return res


# --------------------------------------------------------------------------------------------
# Reporting


def git_info() -> Dict[str, object]:
    info: Dict[str, object] = {"commit": None, "dirty": None}
    try:
        p = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=str(REPO),
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, universal_newlines=True)
        if p.returncode == 0:
            info["commit"] = p.stdout.strip()
            # Read-only: compares the work tree with HEAD without touching the index.
            d = subprocess.run(["git", "diff-index", "--quiet", "HEAD", "--"], cwd=str(REPO),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            info["dirty"] = d.returncode != 0
    except OSError:
        pass
    return info


def machine_info() -> Dict[str, object]:
    cpu = platform.processor() or None
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))  # type: ignore[attr-defined]
    except AttributeError:
        usable = os.cpu_count()
    return {
        "nproc": usable,
        "cpu_count": os.cpu_count(),
        "cpu": cpu,
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


def fmt_ratio(cur: float, base: Optional[float]) -> str:
    if base is None or base <= 0:
        return "–"
    return f"{cur / base:.2f}x"


def fmt_rss(mib: float, floor_kib: int) -> str:
    # At or near the floor the number says more about this script than about the tool.
    if mib * 1024 <= floor_kib + 512:
        return f"≤ {floor_kib / 1024:.1f}"
    return f"{mib:.1f}"


def table(results: List[Dict[str, object]], baseline: Optional[Dict[str, object]],
          floor_kib: int) -> str:
    base_by_key: Dict[Tuple[str, int], Dict[str, object]] = {}
    if baseline:
        for r in baseline.get("results", []):
            base_by_key[(r["tool"], r["pages"])] = r
    head = ["tool", "pages", "input MB", "median s", "min–max s", "CPU s", "peak RSS MiB",
            "output MB", "files"]
    if baseline:
        head += ["time vs base", "RSS vs base"]
    rows = []
    for r in results:
        row = [
            str(r["tool"]),
            f"{r['pages']:,}",
            f"{r['input_bytes'] / 1e6:.1f}",
            f"{r['median_s']:.3f}",
            f"{r['min_s']:.3f}–{r['max_s']:.3f}",
            f"{r['median_cpu_s']:.2f}",
            fmt_rss(float(r["median_rss_mib"]), floor_kib),
            f"{r['output_bytes'] / 1e6:.1f}",
            f"{r['output_files']:,}",
        ]
        if baseline:
            b = base_by_key.get((r["tool"], r["pages"]))
            row.append(fmt_ratio(r["median_s"], b["median_s"] if b else None))
            row.append(fmt_ratio(r["median_rss_mib"], b["median_rss_mib"] if b else None))
        rows.append(row)
    right = {1, 2, 3, 5, 6, 7, 8, 9, 10}
    lines = ["| " + " | ".join(head) + " |",
             "|" + "|".join("---:" if i in right else "---" for i in range(len(head))) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    names = ", ".join(f"{t.name}{'' if t.enabled else ' (off by default)'}" for t in TOOLS)
    p = argparse.ArgumentParser(
        description="Benchmark opsbook build on synthetic handbooks.",
        epilog=f"tools: {names}",
    )
    p.add_argument("--pages", default="1000,10000",
                   help="comma-separated handbook sizes in pages (default: 1000,10000)")
    p.add_argument("--runs", type=int, default=5, help="measured runs per size (default: 5)")
    p.add_argument("--warmup", type=int, default=1, help="warm-up runs per size (default: 1)")
    p.add_argument("--opsbook", type=Path, help="use this opsbook binary instead of cargo build --release")
    p.add_argument("--use-cargo-example", action="store_true",
                   help="run the generator with cargo run --release --example gen-handbook instead of rustc")
    p.add_argument("--seed", type=int, default=1, help="generator seed (default: 1)")
    p.add_argument("--today", default="2026-11-21", help="passed to --today (default: 2026-11-21)")
    p.add_argument("--tools", help="comma-separated tools to run (default: the enabled ones)")
    p.add_argument("--data-dir", type=Path, default=REPO / "target" / "bench-data",
                   help="where handbooks, the generator and outputs go (default: target/bench-data)")
    p.add_argument("--ok-exit", default="0",
                   help="comma-separated exit codes that count as success (default: 0)")
    p.add_argument("--keep-output", action="store_true", help="keep the last output of each run")
    p.add_argument("--save", type=Path, help="write the results as JSON to this file")
    p.add_argument("--baseline", type=Path, help="compare with results saved by --save")
    args = p.parse_args(argv)
    try:
        args.pages = [int(x) for x in args.pages.split(",") if x.strip()]
        args.ok_exit = [int(x) for x in args.ok_exit.split(",") if x.strip()]
    except ValueError as e:
        p.error(str(e))
    if not args.pages or any(n < 10 for n in args.pages):
        p.error("--pages needs sizes of at least 10")
    if args.runs < 1 or args.warmup < 0:
        p.error("--runs must be >= 1 and --warmup >= 0")
    by_name = {t.name: t for t in TOOLS}
    if args.tools:
        unknown = [n for n in args.tools.split(",") if n not in by_name]
        if unknown:
            p.error(f"unknown tool(s): {', '.join(unknown)}; known: {', '.join(by_name)}")
        args.tools = [by_name[n] for n in args.tools.split(",")]
    else:
        args.tools = [t for t in TOOLS if t.enabled]
    return args


def main(argv: Optional[List[str]] = None) -> int:
    if not hasattr(os, "wait4"):
        die("this platform has no os.wait4 (needed for the peak RSS); use Linux or macOS")
    args = parse_args(argv)
    data_dir = args.data_dir.resolve()

    baseline = None
    if args.baseline:
        try:
            baseline = json.loads(args.baseline.read_text())
        except (OSError, ValueError) as e:
            die(f"cannot read baseline {args.baseline}: {e}")
        if baseline.get("schema") != SCHEMA:
            die(f"{args.baseline} is not a results file of this script (schema {SCHEMA})")

    values = {"python": sys.executable, "today": args.today}
    if any("{opsbook}" in " ".join(t.command) for t in args.tools):
        exe = args.opsbook.resolve() if args.opsbook else build_opsbook()
        if not os.access(str(exe), os.X_OK):
            die(f"{exe} is not an executable")
        values["opsbook"] = str(exe)
        log(f"bench: opsbook binary: {exe}")

    gen = generator_command(args, data_dir)
    handbooks = {n: ensure_handbook(gen, data_dir, n, args.seed) for n in args.pages}

    floor_kib = measure_floor()
    results: List[Dict[str, object]] = []
    for n in args.pages:
        for tool in args.tools:
            results.append(bench_tool(tool, n, handbooks[n], args, values, data_dir).summary())

    machine = machine_info()
    report = {
        "schema": SCHEMA,
        "date": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
        **git_info(),
        "machine": machine,
        "rss_floor_kib": floor_kib,
        "settings": {
            "runs": args.runs,
            "warmup": args.warmup,
            "seed": args.seed,
            "today": args.today,
            "tools": [t.name for t in args.tools],
            "generator_sha256": sha256_file(GENERATOR_SRC),
        },
        "results": results,
    }

    commit = report["commit"] or "no commit"
    if report.get("dirty"):
        commit += ", modified"
    runs = f"{args.runs} run{'s' if args.runs != 1 else ''}"
    print(f"\nopsbook benchmark ({commit}; {machine['nproc']} CPUs; median of {runs} after "
          f"{args.warmup} warm-up; {report['date']})\n")
    if baseline:
        bcommit = baseline.get("commit") or "no commit"
        print(f"Baseline: {args.baseline} ({bcommit}, {baseline.get('date', '?')})\n")
        bn = (baseline.get("machine") or {}).get("nproc")
        if bn and bn != machine["nproc"]:
            print(f"Note: the baseline ran with {bn} CPUs, this run with {machine['nproc']}.\n")
        if (baseline.get("settings") or {}).get("generator_sha256") != report["settings"]["generator_sha256"]:
            print("Note: the baseline used a different version of the handbook generator.\n")
    print(table(results, baseline, floor_kib))

    if args.save:
        args.save.parent.mkdir(parents=True, exist_ok=True)
        args.save.write_text(json.dumps(report, indent=2) + "\n")
        log(f"bench: saved {args.save}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
