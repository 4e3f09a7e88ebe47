"""Benchmark: wall time and peak memory of the synth and the test suite.

Runs every scenario in a throwaway copy of the project (so dist/ is never
touched), once to warm up and then --runs times (--cold-runs for the test
runs that start without some of build/test-cache), and prints median and spread
(max - min) of wall time and of peak RSS (the largest process of the command's
tree: Python or node). Scenarios: the full test suite (`make test`) with nothing changed since the
last run, after a change (no scenario record: every scenario runs), and on a
fresh clone (no build/test-cache at all); the main
command (`make synth`) and the app synth alone (`python main.py`, the process
`make synth` runs) for the three permanent environments, with 30 and with 100
previews, and with 100 previews from a cold start (no build/ folder: no
staging files to compare with, no CRD schema cache); and `cdk8s synth` (the
npm CLI running the same app) for reference.
The marginal cost of one more environment is the slope of the app synth
between 0 and 100 previews.

Usage: .venv/bin/python bench/bench.py [--runs 5] [--cold-runs 2] [--skip-tests | --only-tests]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# The copy links the repository's .venv and node_modules: make must never reinstall them from the copy (its
# package.json is newer than node_modules/.installed, and `npm ci` there empties the shared node_modules).
MAKE = ["make", "-s", "-o", ".venv/.installed", "-o", "node_modules/.installed"]
# Not "dist.*": that also matched gorax_constructs/commands/dist.py, and the copy's suite could not import it.
IGNORED = shutil.ignore_patterns(
    ".venv", "node_modules", "build", ".git", "__pycache__", ".hypothesis", "dist.incoming", "dist.previous-*"
)


def previews_file(folder: Path, count: int) -> Path:
    path = folder / f"previews-{count}.yaml"
    entries = "".join(f"  - name: pr-bench-{i}\n    owner: bench\n    expires: '2099-01-01'\n" for i in range(count))
    path.write_text("previews:\n" + (entries or "  []\n") if count else "previews: []\n")
    return path


def measure(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak resident MiB of the largest process in the command's tree."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            output.seek(0)
            raise SystemExit(f"failed: {' '.join(command)}\n{output.read().decode()[-6000:]}")
    return wall, usage.ru_maxrss / 1024


def run(
    name: str, command: list[str], cwd: Path, env: dict[str, str], runs: int, *, before_each: list[str] | None = None
) -> dict[str, float]:
    """``before_each`` (untimed) runs before the warm-up and before every timed run."""

    def sample() -> tuple[float, float]:
        if before_each:
            subprocess.run(before_each, cwd=cwd, check=True)
        return measure(command, cwd, env)

    sample()  # warm-up: caches, bytecode, node's compile cache
    samples = [sample() for _ in range(runs)]
    walls, peaks = [s[0] for s in samples], [s[1] for s in samples]
    result = {"wall": statistics.median(walls), "peak": statistics.median(peaks)}
    print(
        f"| {name:<46} | {result['wall']:6.2f} s | {max(walls) - min(walls):5.2f} s "
        f"| {result['peak']:5.0f} MiB | {max(peaks) - min(peaks):4.0f} MiB |"
    )
    return result


def cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    models = [
        line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines() if line.startswith("model name")
    ]
    return models[0] if models else platform.processor() or "unknown CPU"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-tests", action="store_true")
    parser.add_argument("--only-tests", action="store_true", help="the `make test` scenarios only")
    parser.add_argument("--cold-runs", type=int, default=2, help="runs of the `make test` scenarios that rerun")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gorax-bench-") as tmp:
        project = Path(tmp) / "project"
        shutil.copytree(REPO, project, ignore=IGNORED)
        for installed in (".venv", "node_modules"):
            (project / installed).symlink_to(REPO / installed)
        base_env = {**os.environ, "MAKEFLAGS": "", "CDK8S_CHECK_UPGRADE": "false"}
        print(
            f"machine: {cpu_model()}, {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}"
        )
        print(f"runs: {args.runs} after one warm-up; spread = max - min\n")
        print(f"| {'scenario':<46} | {'median':>8} | {'spread':>7} | {'peak RSS':>9} | {'spread':>8} |")
        print(f"|{'-' * 48}|{'-' * 9}:|{'-' * 8}:|{'-' * 10}:|{'-' * 9}:|")
        if not args.skip_tests:  # first, while the copy's dist/ is still the committed one
            # What the suite keeps in build/test-cache/ (tests/memo.py): all of it (nothing changed since the
            # last run), the tool records only (the project changed: every scenario runs), or nothing.
            run("make test, nothing changed", [*MAKE, "test"], project, base_env, args.runs)
            changed = {"before_each": ["rm", "-rf", "build/test-cache/scenarios"]}
            run("make test, after a change", [*MAKE, "test"], project, base_env, args.cold_runs, **changed)
            first = {"before_each": ["rm", "-rf", "build/test-cache"]}
            run("make test, first run (fresh clone)", [*MAKE, "test"], project, base_env, args.cold_runs, **first)
        if args.only_tests:
            return
        app = {}
        for count in (0, 30, 100):
            env = {**base_env, "GORAX_PREVIEWS_FILE": str(previews_file(Path(tmp), count))}
            label = "3 permanent" + (f" + {count} previews" if count else "")
            # The app exporting into another folder: build, validate and write, no promotion, no docs.
            export = {**env, "CDK8S_OUTDIR": "build/b"}
            app[count] = run(f"app synth, {label}", [".venv/bin/python", "main.py"], project, export, args.runs)
            run(f"make synth, {label}", [*MAKE, "synth"], project, env, args.runs)
        # Cold: no staging folder to compare with and no CRD schema cache, as on a fresh clone or in CI.
        cold = {"before_each": ["rm", "-rf", "build"]}
        run("make synth, 3 permanent + 100 previews, cold", [*MAKE, "synth"], project, env, args.runs, **cold)
        env = {**base_env, "GORAX_PREVIEWS_FILE": str(previews_file(Path(tmp), 0))}
        run(
            "cdk8s synth (npm CLI), 3 permanent",
            ["node_modules/.bin/node", "node_modules/cdk8s-cli/bin/cdk8s", "synth"],
            project,
            env,
            args.runs,
        )
        marginal = (app[100]["wall"] - app[0]["wall"]) / 100
        print(f"\nmarginal cost per additional environment (app synth, one process): {marginal * 1000:.1f} ms")


if __name__ == "__main__":
    main()
