"""`make test`: the suite as two pytest processes at once, one per core of the 2-core machine.

The second runs the modules ``SECOND_SHARD`` (tests/conftest.py) names, with its output in
``build/test-shard-2.log``, printed after the first's; the exit status is the worse of the two. Plain
``pytest`` still runs the whole suite in one process. Measured in docs/performance.md.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LOG = REPO / "build" / "test-shard-2.log"


def main(args: list[str]) -> int:
    LOG.parent.mkdir(exist_ok=True)
    pytest = [sys.executable, "-m", "pytest", "-q", *args]
    with LOG.open("w") as log:
        second = subprocess.Popen([*pytest, "--shard=2"], cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
        try:
            first = subprocess.run([*pytest, "--shard=1"], cwd=REPO).returncode
        finally:
            code = second.wait()
    print(f"\n---------- the second half of the suite (--shard=2, {LOG.relative_to(REPO)}) ----------", flush=True)
    sys.stdout.write(LOG.read_text())
    return max(first, code)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
