"""The bare extraction loop of two source trees, side by side on the same files.

    git worktree add /tmp/base <commit>
    python -m bench.compare --baseline /tmp/base --n 1000 --extra ../shared/realistic samples

Each tree runs in a process of its own (its directory first on sys.path, this venv's packages), is
warmed up on the corpus once, then the two are timed in alternated rounds: round i times the baseline
and then this tree over the same files, seconds apart, so the VM's drift cancels in each round's
ratio. The result is the median round's cost per report of this tree over the baseline's.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
READABLE = {".txt", ".docx", ".html", ".htm", ".pdf"}

# Runs inside each tree's process: read every path once per "run" line, print the seconds taken.
WORKER = """
import sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from tasks.pipeline import read_and_extract
files = [(p, Path(p).read_bytes()) for p in Path(sys.argv[2]).read_text(encoding="utf-8").splitlines()]
for command in sys.stdin:
    started = time.perf_counter()
    for path, data in files:
        read_and_extract(path, data)
    print(time.perf_counter() - started, flush=True)
"""


class TreeLoop:
    """A long-lived process running one tree's bare loop on demand."""

    def __init__(self, tree: Path, file_list: Path) -> None:
        self.tree = tree
        self.process = subprocess.Popen([sys.executable, "-c", WORKER, str(tree), str(file_list)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                        cwd=tree)

    def run(self) -> float:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write("run\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"the loop of {self.tree} died; run it alone to see why")
        return float(line)

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait(timeout=60)


def corpus_files(n: int, seed: int, extra: list[Path], work: Path) -> list[str]:
    """n generated reports (this tree's generator) plus every readable file under the extra folders."""
    paths: list[str] = []
    if n:
        out = work / "corpus"
        subprocess.run([sys.executable, "-m", "bench.corpus", "--n", str(n), "--seed", str(seed),
                        "--out", str(out)], check=True, cwd=PROJECT_ROOT, capture_output=True)
        paths += sorted(str(p) for p in out.iterdir() if p.suffix in READABLE)
    for folder in extra:
        paths += sorted(str(p.resolve()) for p in folder.rglob("*") if p.suffix in READABLE
                        and not any(part.startswith(".") for part in p.relative_to(folder).parts))
    return paths


def compare(baseline: Path, files: list[str], rounds: int, work: Path) -> dict:
    file_list = work / "files.txt"
    file_list.write_text("\n".join(files), encoding="utf-8")
    loops = {"baseline": TreeLoop(baseline, file_list), "current": TreeLoop(PROJECT_ROOT, file_list)}
    try:
        for loop in loops.values():  # first pass: imports, compiled patterns, caches
            loop.run()
        seconds: dict[str, list[float]] = {"baseline": [], "current": []}
        for _ in range(rounds):
            for name, loop in loops.items():
                seconds[name].append(loop.run())
    finally:
        for loop in loops.values():
            loop.close()
    ratios = sorted(now / before for now, before in zip(seconds["current"], seconds["baseline"], strict=True))
    return {
        "reports": len(files),
        "baseline_ms_per_report": 1000 * statistics.median(seconds["baseline"]) / len(files),
        "current_ms_per_report": 1000 * statistics.median(seconds["current"]) / len(files),
        "cost_ratio": statistics.median(ratios),
        "cost_ratio_rounds": [round(r, 3) for r in ratios],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, required=True, help="a checkout of the earlier tree")
    parser.add_argument("--n", type=int, default=1000, help="generated reports in the corpus")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--extra", type=Path, nargs="*", default=[], help="folders of real-layout documents")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", type=Path, help="write the result here too")
    args = parser.parse_args(argv)
    if not (args.baseline / "tasks" / "pipeline.py").is_file():
        raise SystemExit(f"{args.baseline} is not a jixiao checkout: want tasks/pipeline.py in it")
    with tempfile.TemporaryDirectory() as tmp:
        files = corpus_files(args.n, args.seed, args.extra, Path(tmp))
        if not files:
            raise SystemExit("no files to time: give --n above 0 or --extra folders")
        result = compare(args.baseline.resolve(), files, args.rounds, Path(tmp))
    print(json.dumps(result, indent=1))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
