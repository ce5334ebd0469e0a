#!/usr/bin/env python3
"""Benchmark `opsbook build` on synthetic handbooks, side by side with its peers.

Builds the handbook generator (bench/gen_handbook.rs) and a release opsbook, generates one
handbook per size (cached), converts it for Hugo, Zola and mdBook where they are installed
(cached, bench/peers.py), then times every tool: warm-up runs, then --runs measured runs,
alternating between the tools (run 1 of each, then run 2 of each, ...). Reports the median, min
and max wall time, the child's peak RSS, the size of the output and of its search index, and
each tool's ratios to opsbook. With --baseline, adds current/baseline ratios; with --save,
writes the results as JSON.

Standard library only; Python 3.9+; Linux or macOS (it needs os.wait4 for the peak RSS).

    python3 bench/bench.py
    python3 bench/bench.py --pages 1000,10000 --runs 5 --save before.json
    python3 bench/bench.py --baseline before.json
    python3 bench/bench.py --tools opsbook,hugo,mdbook --mdbook path/to/mdbook
"""

from __future__ import annotations

import argparse
import datetime as _dt
import gzip
import hashlib
import itertools
import json
import os
import platform
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, NoReturn, Optional, Tuple

import peers

REPO = Path(__file__).resolve().parent.parent
GENERATOR_SRC = REPO / "bench" / "gen_handbook.rs"
SCHEMA = 1


@dataclass
class Tool:
    """One thing to benchmark: a name and a command template.

    Placeholders in the template: {opsbook} (the opsbook binary; it is built only when a selected
    tool uses it), {floor} (bench/floor.rs, built likewise), {hugo}, {zola} and {mdbook} (found on
    PATH or given with --hugo/--zola/--mdbook; a tool whose binary is missing is skipped),
    {python} (this interpreter), {src} (the handbook directory), {site} (the handbook converted for
    the tool named by `site`, see bench/peers.py), {out} (the output directory), {today} and
    {pages}.

    `mode` says what a run is: "clean" (the default) deletes {out} before every run, untimed;
    "incremental" builds a copy of the handbook once (untimed), then before every run appends a
    sentence to one page and rebuilds into the same {out} (see IncrementalJob); "report" writes no
    site ({out} is not used). `search` names the kind of search index the output holds
    (peers.search_index_files) and `ok_exit` lists exit codes accepted besides --ok-exit.
    """

    name: str
    command: List[str]
    description: str
    enabled: bool = True
    mode: str = "clean"
    site: Optional[str] = None
    search: Optional[str] = None
    ok_exit: Tuple[int, ...] = ()


OPSBOOK_BUILD = ["{opsbook}", "build", "{src}", "-d", "{out}", "--today", "{today}"]

# To compare another tool, add an entry here (and run it with --tools NAME,...).
TOOLS: List[Tool] = [
    Tool(
        name="opsbook",
        # Without --no-cache, every run after the warm-up would reuse the highlighted code blocks
        # of the build cache (HANDBOOK/.opsbook-cache): not a clean build.
        command=OPSBOOK_BUILD + ["--no-cache"],
        description="opsbook build --no-cache (clean build), release profile",
        search="opsbook",
    ),
    Tool(
        name="opsbook-incremental",
        command=OPSBOOK_BUILD,
        description="opsbook build after one page changed, with the previous output and cache",
        mode="incremental",
        search="opsbook",
    ),
    Tool(
        name="opsbook-check",
        command=["{opsbook}", "check", "{src}", "--today", "{today}", "--format", "json",
                 "-o", os.devnull],
        description="opsbook check, reusing the documents its last run cached (exit code 1, "
                    "stale documents found, counts as success)",
        mode="report",
        ok_exit=(1,),
    ),
    Tool(
        name="opsbook-check-cold",
        command=["{opsbook}", "check", "{src}", "--today", "{today}", "--format", "json",
                 "-o", os.devnull, "--no-cache"],
        description="opsbook check --no-cache: every document parsed",
        mode="report",
        ok_exit=(1,),
    ),
    Tool(
        name="floor",
        command=["{floor}", "{src}", "{out}"],
        description="bench/floor.rs: strip front matter, pulldown-cmark to HTML, nothing else",
    ),
    Tool(
        name="hugo",
        command=["{hugo}", "--source", "{site}", "--destination", "{out}", "--quiet"],
        description="Hugo, the handbook converted by bench/peers.py (index.json search index)",
        site="hugo",
        search="hugo",
    ),
    Tool(
        name="zola",
        command=["{zola}", "--root", "{site}", "build", "--output-dir", "{out}", "--force"],
        description="Zola, the handbook converted by bench/peers.py (build_search_index)",
        site="zola",
        search="zola",
    ),
    Tool(
        name="mdbook",
        command=["{mdbook}", "build", "{site}", "-d", "{out}"],
        description="mdBook, the handbook converted by bench/peers.py (search on)",
        site="mdbook",
        search="mdbook",
    ),
]

# Binaries a tool may need, and how to find them when they are not built here.
PEERS = ("hugo", "zola", "mdbook")
VERSION_ARGS = {"hugo": ["version"], "zola": ["--version"], "mdbook": ["--version"],
                "opsbook": ["--version"]}


@dataclass
class Result:
    tool: str
    pages: int
    command: List[str]
    input_bytes: int
    wall_s: List[float] = field(default_factory=list)
    cpu_s: List[float] = field(default_factory=list)
    rss_kib: List[int] = field(default_factory=list)
    output_bytes: Optional[int] = 0
    output_files: Optional[int] = 0
    search_bytes: Optional[int] = None
    search_gzip_bytes: Optional[int] = None
    search_files: Optional[int] = None
    notes: Dict[str, object] = field(default_factory=dict)

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
            "search_bytes": self.search_bytes,
            "search_gzip_bytes": self.search_gzip_bytes,
            "search_files": self.search_files,
            **({"notes": self.notes} if self.notes else {}),
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


def cargo_build(extra: List[str], target_name: str, kind: str, what: str) -> Path:
    """Runs cargo build --release with `extra` and returns the built executable of target_name."""
    out = run_checked(
        ["cargo", "build", "--release"] + extra + ["--message-format=json-render-diagnostics"],
        REPO,
        what,
        capture=True,
    )
    for line in out.splitlines():
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        target = msg.get("target", {})
        if (
            msg.get("reason") == "compiler-artifact"
            and target.get("name") == target_name
            and kind in target.get("kind", [])
            and msg.get("executable")
        ):
            return Path(msg["executable"])
    target_dir = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    exe = target_dir / "release" / ("examples" if kind == "example" else "") / target_name
    if not exe.exists():
        die(f"cargo build succeeded but {exe} is missing")
    return exe


def build_opsbook() -> Path:
    return cargo_build(["--bin", "opsbook"], "opsbook", "bin", "building opsbook")


def build_floor() -> Path:
    return cargo_build(["--example", "floor"], "floor", "example", "building the floor (bench/floor.rs)")


def tool_version(name: str, exe: str) -> Optional[str]:
    """The first line of `exe --version` (`hugo version`), or None when it does not run."""
    try:
        p = subprocess.run([exe] + VERSION_ARGS.get(name, ["--version"]), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                           universal_newlines=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    if p.returncode != 0:
        return None
    return (p.stdout.strip().splitlines() or [""])[0]


def binary_identity(exe: Path) -> str:
    """The start of a binary's SHA-256 and its modification time: which build ran, when the
    version number alone does not say (a binary rebuilt from a changed work tree)."""
    st = exe.stat()
    built = _dt.datetime.fromtimestamp(st.st_mtime, _dt.timezone.utc).replace(microsecond=0)
    return f"sha256 {sha256_file(exe)[:12]}, built {built.isoformat()}"


def zola_before_0_22(version: str) -> bool:
    """Zola 0.22 replaced syntect by giallo and moved the highlighting keys."""
    m = re.search(r"(\d+)\.(\d+)", version)
    return bool(m) and (int(m.group(1)), int(m.group(2))) < (0, 22)


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


def measure_floor() -> int:
    """Peak RSS (KiB) reported for a program that does nothing: the resolution of the RSS column."""
    true = shutil.which("true")
    cmd = [true] if true else [sys.executable, "-c", ""]
    return int(statistics.median(run_measured(cmd, [0])[2] for _ in range(3)))


def search_size(kind: Optional[str], out_dir: Path) -> Tuple[Optional[int], Optional[int], Optional[int]]:
    """(bytes, gzip -6 bytes, files) of the search index in out_dir; Nones for a tool without one."""
    if kind is None:
        return None, None, None
    files = peers.search_index_files(kind, out_dir)
    raw = packed = 0
    for f in files:
        data = f.read_bytes()
        raw += len(data)
        packed += len(gzip.compress(data, 6))
    return raw, packed, len(files)


def trash_dir(data_dir: Path) -> Path:
    """Where the outputs and work copies of earlier runs wait until the benchmark is over.
    Deleting a large folder during the benchmark would charge the deletion's after-effects to
    the runs that follow: on ext4 without a journal, every file created in the next one to six
    minutes first scans past the inodes just freed (the kernel's recently_deleted()), which took
    a 10,000-page build from 5 to 10 s, most of it system time. Moved aside, they are deleted
    when every run is done."""
    return data_dir / "trash"


_DISCARDED = itertools.count()


def discard(path: Path, data_dir: Path) -> None:
    """Moves `path` (if it exists) into the trash: see trash_dir()."""
    if path.exists():
        trash = trash_dir(data_dir)
        trash.mkdir(parents=True, exist_ok=True)
        path.rename(trash / f"{path.name}-{os.getpid()}-{next(_DISCARDED)}")


def empty_trash(data_dir: Path) -> None:
    shutil.rmtree(trash_dir(data_dir), ignore_errors=True)


class Job:
    """One tool at one handbook size: its command, its output directory and its measurements.

    main() calls setup() on every job of a size, then run() alternately (warm-up 1 of every
    tool, ..., run 1 of every tool, run 2 of every tool, ...), then finish() and, always,
    cleanup()."""

    def __init__(self, tool: Tool, pages: int, hb: Path, site: Optional[Path],
                 args: argparse.Namespace, values: Dict[str, str], data_dir: Path) -> None:
        self.tool = tool
        self.pages = pages
        self.hb = hb
        self.out_dir = data_dir / "out" / f"{tool.name}-{pages}"
        self.data_dir = data_dir
        self.keep = args.keep_output
        self.ok_codes = sorted(set(args.ok_exit) | set(tool.ok_exit))
        self.values = dict(values, src=str(self.source()), out=str(self.out_dir), pages=str(pages),
                           site=str(site) if site else "{site}")
        self.cmd = expand(tool.command, self.values)
        in_bytes, _ = tree_size(hb / "content")
        self.result = Result(tool=tool.name, pages=pages, command=tool.command, input_bytes=in_bytes)
        self.label = f"{tool.name} {pages} pages"

    def source(self) -> Path:
        """The handbook the command reads ({src})."""
        return self.hb

    def setup(self) -> None:
        discard(self.out_dir, self.data_dir)
        self.out_dir.parent.mkdir(parents=True, exist_ok=True)

    def before_run(self, n: int) -> None:
        """Untimed preparation of the n-th run (warm-ups included, from 1). The last run's
        output is moved aside, not deleted: see trash_dir()."""
        if self.tool.mode == "clean":
            discard(self.out_dir, self.data_dir)

    def run(self, n: int, what: str, measured: bool) -> None:
        self.before_run(n)
        # What earlier runs wrote goes to disk now, not while this one is timed.
        if hasattr(os, "sync"):
            os.sync()
        wall, cpu, rss = run_measured(self.cmd, self.ok_codes)
        if measured:
            self.result.wall_s.append(wall)
            self.result.cpu_s.append(cpu)
            self.result.rss_kib.append(rss)
            log(f"bench: {self.label}: {what}: {wall:.3f} s, {cpu:.2f} s CPU, {rss / 1024:.1f} MiB")
        else:
            log(f"bench: {self.label}: {what}: {wall:.3f} s")

    def finish(self) -> Dict[str, object]:
        r = self.result
        if self.tool.mode == "report":
            r.output_bytes = r.output_files = None
        else:
            r.output_bytes, r.output_files = tree_size(self.out_dir)
            r.search_bytes, r.search_gzip_bytes, r.search_files = search_size(self.tool.search, self.out_dir)
        return r.summary()

    def cleanup(self) -> None:
        if not self.keep:
            discard(self.out_dir, self.data_dir)


class IncrementalJob(Job):
    """An incremental build: one page changed since the last build, whose output and build cache
    are still there.

    The handbook is first copied (hard links) to a work folder, so the shared handbook is never
    edited. setup() builds the copy once, untimed, which also writes its build cache
    (.opsbook-cache beside book.toml). Before every run, untimed, the job makes sure an output
    and a cache exist, then rewrites the page in the middle of the sorted list of documents as
    the original plus one appended sentence that names the run, so every run sees a change. The
    timed command builds into the same output folder. cleanup() restores the page."""

    SKIP = {".opsbook-cache", ".bench-complete"}

    def __init__(self, tool: Tool, pages: int, hb: Path, site: Optional[Path],
                 args: argparse.Namespace, values: Dict[str, str], data_dir: Path) -> None:
        self.work = data_dir / "work" / f"{tool.name}-{pages}"
        super().__init__(tool, pages, hb, site, args, values, data_dir)
        docs = [rel for rel in peers.markdown_files(hb / "content")[0]
                if rel.rsplit("/", 1)[-1] != "index.md"]
        if not docs:
            die(f"{hb}: no document to edit for {tool.name}")
        self.page_rel = docs[len(docs) // 2]
        self.original = (hb / "content" / self.page_rel).read_bytes()
        self.result.notes["edited_page"] = self.page_rel

    def source(self) -> Path:
        return self.work

    def setup(self) -> None:
        super().setup()
        discard(self.work, self.data_dir)
        for d, dirs, files in os.walk(self.hb):
            dirs[:] = sorted(x for x in dirs if x not in self.SKIP)
            rel = os.path.relpath(d, self.hb)
            target = self.work / rel
            target.mkdir(parents=True, exist_ok=True)
            for f in files:
                if f in self.SKIP:
                    continue
                try:
                    os.link(os.path.join(d, f), target / f)
                except OSError:
                    shutil.copy2(os.path.join(d, f), target / f)
        self.initial_build()

    def initial_build(self) -> None:
        t0 = time.perf_counter()
        run_measured(self.cmd, self.ok_codes)
        log(f"bench: {self.label}: initial build (untimed): {time.perf_counter() - t0:.3f} s")

    def write_page(self, data: bytes) -> None:
        # A new file renamed over the old one: the hard link to the shared handbook is replaced,
        # never written through.
        path = self.work / "content" / self.page_rel
        tmp = path.with_name(path.name + ".bench-tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)

    def before_run(self, n: int) -> None:
        cache = self.work / ".opsbook-cache"
        if not (self.out_dir / "index.html").exists() or not cache.is_dir() or not any(cache.iterdir()):
            self.initial_build()
        sep = b"" if self.original.endswith(b"\n") else b"\n"
        sentence = (f"\nBenchmark edit {n}: the on-call engineer re-read this page before build {n} "
                    f"and found it current.\n").encode()
        self.write_page(self.original + sep + sentence)

    def cleanup(self) -> None:
        if self.work.exists():
            self.write_page(self.original)
        super().cleanup()
        if not self.keep:
            discard(self.work, self.data_dir)


def make_job(tool: Tool, pages: int, hb: Path, site: Optional[Path], args: argparse.Namespace,
             values: Dict[str, str], data_dir: Path) -> Job:
    cls = IncrementalJob if tool.mode == "incremental" else Job
    return cls(tool, pages, hb, site, args, values, data_dir)


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


def load_average() -> Optional[float]:
    """The 1-minute load average (None where the platform has none). The benchmark's own tools
    count too, so a value up to the CPU count is normal during a run."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def fmt_ratio(cur: Optional[float], base: Optional[float]) -> str:
    if cur is None or base is None or base <= 0:
        return "–"
    return f"{cur / base:.2f}x"


def fmt_rss(mib: float, floor_kib: int) -> str:
    # At or near the floor the number says more about this script than about the tool.
    if mib * 1024 <= floor_kib + 512:
        return f"≤ {floor_kib / 1024:.1f}"
    return f"{mib:.1f}"


def fmt_mb(n: Optional[int]) -> str:
    return "–" if n is None else f"{n / 1e6:.1f}"


def add_ratios(results: List[Dict[str, object]], reference: str = "opsbook") -> None:
    """Adds `vs_opsbook` to each result: its median time, median peak RSS, output size and search
    index size divided by those of opsbook at the same size (None where either is missing)."""
    ref = {r["pages"]: r for r in results if r["tool"] == reference}
    for r in results:
        b = ref.get(r["pages"])

        def ratio(key: str) -> Optional[float]:
            cur = r.get(key)
            base = b.get(key) if b else None
            if cur is None or not base:
                return None
            return round(float(cur) / float(base), 3)

        r["vs_" + reference] = {
            "time": ratio("median_s"),
            "rss": ratio("median_rss_mib"),
            "output": ratio("output_bytes"),
            "search": ratio("search_bytes"),
            "search_gzip": ratio("search_gzip_bytes"),
        }


def growth(results: List[Dict[str, object]]) -> List[Dict[str, object]]:
    """For each tool timed at more than one size: how its median time grew from each size to
    the next, against how the page count grew. Linear work gives a time ratio equal to the
    page ratio; `per_page` is their quotient (1.1 or less is what an O(n log n) pipeline
    gives when the pages double)."""
    by_tool: Dict[str, List[Dict[str, object]]] = {}
    for r in results:
        if r.get("median_s"):
            by_tool.setdefault(str(r["tool"]), []).append(r)
    rows = []
    for tool, rs in by_tool.items():
        rs.sort(key=lambda r: int(r["pages"]))
        for a, b in zip(rs, rs[1:]):
            pages = int(b["pages"]) / int(a["pages"])
            time_ratio = float(b["median_s"]) / float(a["median_s"])
            rows.append({"tool": tool, "from": a["pages"], "to": b["pages"],
                         "pages": round(pages, 3), "time": round(time_ratio, 3),
                         "per_page": round(time_ratio / pages, 3)})
    return rows


def growth_table(rows: List[Dict[str, object]]) -> str:
    lines = ["| tool | pages | × pages | × time | time per page |",
             "|---|---|---:|---:|---:|"]
    for g in rows:
        lines.append(f"| {g['tool']} | {g['from']:,} → {g['to']:,} | {g['pages']:.2f}x | "
                     f"{g['time']:.2f}x | {g['per_page']:.2f}x |")
    return "\n".join(lines)


def table(results: List[Dict[str, object]], baseline: Optional[Dict[str, object]],
          floor_kib: int) -> str:
    base_by_key: Dict[Tuple[str, int], Dict[str, object]] = {}
    if baseline:
        for r in baseline.get("results", []):
            base_by_key[(r["tool"], r["pages"])] = r
    head = ["tool", "pages", "input MB", "median s", "min–max s", "CPU s", "peak RSS MiB",
            "output MB", "files", "search MB", "search gz MB", "time ÷ opsbook", "RSS ÷ opsbook",
            "output ÷ opsbook", "search ÷ opsbook"]
    if baseline:
        head += ["time vs base", "RSS vs base"]
    rows = []
    for r in results:
        vs = r.get("vs_opsbook") or {}

        def x(key: str) -> str:
            v = vs.get(key)
            return "–" if v is None else f"{v:.2f}x"

        files = r.get("output_files")
        row = [
            str(r["tool"]),
            f"{r['pages']:,}",
            f"{r['input_bytes'] / 1e6:.1f}",
            f"{r['median_s']:.3f}",
            f"{r['min_s']:.3f}–{r['max_s']:.3f}",
            f"{r['median_cpu_s']:.2f}",
            fmt_rss(float(r["median_rss_mib"]), floor_kib),
            fmt_mb(r.get("output_bytes")),
            "–" if files is None else f"{files:,}",
            fmt_mb(r.get("search_bytes")),
            fmt_mb(r.get("search_gzip_bytes")),
            x("time"),
            x("rss"),
            x("output"),
            x("search"),
        ]
        if baseline:
            b = base_by_key.get((r["tool"], r["pages"]))
            row.append(fmt_ratio(r["median_s"], b["median_s"] if b else None))
            row.append(fmt_ratio(r["median_rss_mib"], b["median_rss_mib"] if b else None))
        rows.append(row)
    lines = ["| " + " | ".join(head) + " |",
             "|" + "|".join("---:" if i else "---" for i in range(len(head))) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    names = ", ".join(f"{t.name}{'' if t.enabled else ' (off by default)'}" for t in TOOLS)
    p = argparse.ArgumentParser(
        description="Benchmark opsbook build on synthetic handbooks, beside Hugo, Zola and mdBook.",
        epilog=f"tools: {names}. Hugo, Zola and mdBook run only when their binary is found.",
    )
    p.add_argument("--pages", default="1000,10000",
                   help="comma-separated handbook sizes in pages (default: 1000,10000)")
    p.add_argument("--runs", type=int, default=5, help="measured runs per size (default: 5)")
    p.add_argument("--warmup", type=int, default=1, help="warm-up runs per size (default: 1)")
    p.add_argument("--opsbook", type=Path, help="use this opsbook binary instead of cargo build --release")
    p.add_argument("--floor", type=Path,
                   help="use this floor binary instead of cargo build --release --example floor")
    for peer in PEERS:
        p.add_argument(f"--{peer}", type=Path, metavar="PATH",
                       help=f"the {peer} binary (default: {peer} on PATH; the tool is skipped without one)")
    p.add_argument("--use-cargo-example", action="store_true",
                   help="run the generator with cargo run --release --example gen-handbook instead of rustc")
    p.add_argument("--seed", type=int, default=1, help="generator seed (default: 1)")
    p.add_argument("--today", default="2026-11-21", help="passed to --today (default: 2026-11-21)")
    p.add_argument("--tools", help="comma-separated tools to run (default: the enabled ones)")
    p.add_argument("--data-dir", type=Path, default=REPO / "target" / "bench-data",
                   help="where handbooks, converted sites, the generator and outputs go "
                        "(default: target/bench-data)")
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
        names_given = [n for n in args.tools.split(",") if n.strip()]
        unknown = [n for n in names_given if n not in by_name]
        if unknown:
            p.error(f"unknown tool(s): {', '.join(unknown)}; known: {', '.join(by_name)}")
        args.tools = [by_name[n] for n in dict.fromkeys(names_given)]
    else:
        args.tools = [t for t in TOOLS if t.enabled]
    return args


def uses(tool: Tool, name: str) -> bool:
    return any("{" + name + "}" in a for a in tool.command)


def snapshot(exe: Path, data_dir: Path) -> Path:
    """A private copy of a binary built in the checkout, in DATA/bin/: a cargo build in the same
    checkout while the benchmark runs would otherwise swap the binary between two runs."""
    dest = data_dir / "bin" / exe.name
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".tmp")
    shutil.copy2(exe, tmp)
    os.replace(tmp, dest)
    return dest


def resolve_binaries(args: argparse.Namespace, values: Dict[str, str],
                     data_dir: Path) -> Tuple[Dict[str, str], Dict[str, str]]:
    """Fills values with the binaries the selected tools need; returns (versions, skipped tools
    with the reason) and drops the skipped tools from args.tools."""
    versions: Dict[str, str] = {}
    skipped: Dict[str, str] = {}
    for peer in PEERS:
        if not any(uses(t, peer) for t in args.tools):
            continue
        given: Optional[Path] = getattr(args, peer)
        found = str(given) if given else shutil.which(peer)
        reason = None
        if not found:
            reason = f"{peer} not found on PATH (give --{peer} PATH)"
        elif not os.access(found, os.X_OK) or os.path.isdir(found):
            reason = f"{found} is not an executable"
        else:
            found = str(Path(found).resolve())
            version = tool_version(peer, found)
            if version is None:
                reason = f"{found} {' '.join(VERSION_ARGS[peer])} failed"
            else:
                versions[peer] = version
                values[peer] = found
                log(f"bench: {peer}: {found} ({version})")
        if reason:
            for t in args.tools:
                if uses(t, peer):
                    skipped[t.name] = reason
    args.tools = [t for t in args.tools if t.name not in skipped]

    if any(uses(t, "opsbook") for t in args.tools):
        exe = args.opsbook.resolve() if args.opsbook else build_opsbook()
        if not os.access(str(exe), os.X_OK):
            die(f"{exe} is not an executable")
        versions["opsbook"] = f"{tool_version('opsbook', str(exe)) or '?'} ({binary_identity(exe)})"
        log(f"bench: opsbook binary: {exe} ({versions['opsbook']})")
        exe = snapshot(exe, data_dir)
        values["opsbook"] = str(exe)
        # An opsbook from before --no-cache: its clean builds run as they always did.
        help_text = subprocess.run([str(exe), "build", "--help"], stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, universal_newlines=True).stdout
        if "--no-cache" not in help_text:
            log("bench: note: this opsbook has no `build --no-cache`; its clean builds run without it")
            for t in args.tools:
                t.command = [a for a in t.command if a != "--no-cache"]
    if any(uses(t, "floor") for t in args.tools):
        exe = args.floor.resolve() if args.floor else build_floor()
        if not os.access(str(exe), os.X_OK):
            die(f"{exe} is not an executable")
        log(f"bench: floor binary: {exe}")
        values["floor"] = str(snapshot(exe, data_dir))
    return versions, skipped


def main(argv: Optional[List[str]] = None) -> int:
    if not hasattr(os, "wait4"):
        die("this platform has no os.wait4 (needed for the peak RSS); use Linux or macOS")
    args = parse_args(argv)
    data_dir = args.data_dir.resolve()
    # Killed (not Ctrl-C): still restore the incremental build's page and delete the outputs.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))

    baseline = None
    if args.baseline:
        try:
            baseline = json.loads(args.baseline.read_text())
        except (OSError, ValueError) as e:
            die(f"cannot read baseline {args.baseline}: {e}")
        if baseline.get("schema") != SCHEMA:
            die(f"{args.baseline} is not a results file of this script (schema {SCHEMA})")

    values = {"python": sys.executable, "today": args.today}
    versions, skipped = resolve_binaries(args, values, data_dir)
    for name, why in skipped.items():
        log(f"bench: skipped {name}: {why}")
    if not args.tools:
        die("no tool left to run")

    gen = generator_command(args, data_dir)
    handbooks = {n: ensure_handbook(gen, data_dir, n, args.seed) for n in args.pages}
    sites: Dict[Tuple[str, int], Path] = {}
    for n in args.pages:
        for tool in args.tools:
            if tool.site and (tool.site, n) not in sites:
                options: Dict[str, object] = {}
                if tool.site == "zola":
                    options["old_highlight"] = zola_before_0_22(versions.get("zola", ""))
                try:
                    sites[(tool.site, n)] = peers.ensure_site(tool.site, handbooks[n], log, **options)
                except peers.ConversionError as e:
                    die(f"converting the handbook for {tool.site}: {e}")

    empty_trash(data_dir)  # left by an interrupted run
    load_start = load_average()
    floor_kib = measure_floor()
    results: List[Dict[str, object]] = []
    for n in args.pages:
        jobs = [make_job(t, n, handbooks[n], sites.get((t.site, n)) if t.site else None, args, values,
                         data_dir) for t in args.tools]
        try:
            for job in jobs:
                job.setup()
            # Alternating: run i of every tool before run i + 1 of any, so slow drift (thermal,
            # page cache, other load) reaches every tool alike.
            for i in range(args.warmup):
                for job in jobs:
                    job.run(i + 1, f"warm-up {i + 1}", measured=False)
            for i in range(args.runs):
                # Each round in its own order (shuffled, seeded), so no tool always follows
                # the same one: on a VM the memory a tool frees costs the next one page faults.
                order = list(jobs)
                if i > 0:
                    random.Random(args.seed * 1000 + i).shuffle(order)
                for job in order:
                    job.run(args.warmup + i + 1, f"run {i + 1}/{args.runs}", measured=True)
            for job in jobs:
                results.append(job.finish())
        finally:
            for job in jobs:
                job.cleanup()
    empty_trash(data_dir)
    add_ratios(results)

    machine = machine_info()
    machine["load_average"] = {"start": load_start, "end": load_average()}
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
            "commands": {t.name: t.command for t in args.tools},
            "skipped": skipped,
            "versions": versions,
            "alternating": True,
            "opsbook_no_cache": any("--no-cache" in t.command for t in args.tools),
            "generator_sha256": sha256_file(GENERATOR_SRC),
            "peers_sha256": peers.source_sha256(),
        },
        "results": results,
        "growth": growth(results),
    }

    commit = report["commit"] or "no commit"
    if report.get("dirty"):
        commit += ", modified"
    runs = f"{args.runs} run{'s' if args.runs != 1 else ''}"
    print(f"\nopsbook benchmark ({commit}; {machine['nproc']} CPUs; median of {runs} after "
          f"{args.warmup} warm-up, tools alternating; {report['date']})\n")
    loads = machine["load_average"]
    if loads["start"] is not None and loads["end"] is not None:
        busy = max(loads["start"], loads["end"]) > 1.5 * (machine["nproc"] or 1)
        print(f"Load average (1 min) at start {loads['start']:.2f}, at end {loads['end']:.2f}"
              + (": other work shared the CPUs, expect noise" if busy else "") + ".\n")
    if versions:
        print("Versions: " + "; ".join(f"{k}: {v}" for k, v in versions.items()) + "\n")
    for name, why in skipped.items():
        print(f"Skipped {name}: {why}.")
    if skipped:
        print()
    if baseline:
        bcommit = baseline.get("commit") or "no commit"
        print(f"Baseline: {args.baseline} ({bcommit}, {baseline.get('date', '?')})\n")
        bn = (baseline.get("machine") or {}).get("nproc")
        if bn and bn != machine["nproc"]:
            print(f"Note: the baseline ran with {bn} CPUs, this run with {machine['nproc']}.\n")
        bsettings = baseline.get("settings") or {}
        if bsettings.get("generator_sha256") != report["settings"]["generator_sha256"]:
            print("Note: the baseline used a different version of the handbook generator.\n")
        if "opsbook_no_cache" not in bsettings:
            print("Note: the baseline's opsbook builds ran without --no-cache: its measured runs "
                  "reused the build cache the warm-up wrote.\n")
    print(table(results, baseline, floor_kib))
    if report["growth"]:
        print("\nGrowth with the handbook (median time from each size to the next; a time per "
              "page of 1.10x or less when the pages double is O(n log n) or better):\n")
        print(growth_table(report["growth"]))

    if args.save:
        args.save.parent.mkdir(parents=True, exist_ok=True)
        args.save.write_text(json.dumps(report, indent=2) + "\n")
        log(f"bench: saved {args.save}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
