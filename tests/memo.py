"""What the suite already proved, kept by the content of everything that decided it (``build/test-cache/``).

Two kinds of record, both written only for a success and read only when every input is byte-for-byte
the same as when it was written:

- **a tool's run** (promtool, amtool, kubectl): the key is the tool's identity (its resolved path, size and
  modification time: an upgrade changes them), its arguments and the bytes of every file it reads. An
  alert scenario whose rules and series did not change is not evaluated again; one that did, is.
- **a scenario test** (marked ``scenario``: it runs the project's own commands in copies of the project,
  ``tests/end_to_end.py``, ``tests/routine_changes.py``): the key is the project's fingerprint (every file
  a copy gets, the installed-dependency markers, the interpreter, the tools on PATH, the ``GORAX_*``,
  ``CDK8S_*`` and ``JSII_*`` variables, and today's date, which the preview expiries are compared with)
  and the test's id. A module's scenario tests are skipped, with the reason printed, only when every one
  of them passed under this very fingerprint; any change to the project runs them all again.

``GORAX_TEST_CACHE=off`` neither reads nor writes; a fresh clone (CI) has no ``build/`` and runs everything.
``GORAX_TEST_CACHE_DIR`` puts the records elsewhere (the routine-change copy shares this checkout's).
"""

from __future__ import annotations

import datetime
import fcntl
import functools
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .end_to_end import NOT_COPIED, REPO

ENABLED = os.environ.get("GORAX_TEST_CACHE", "on").lower() not in {"off", "0", "false", "no"}
ROOT = Path(os.environ.get("GORAX_TEST_CACHE_DIR") or REPO / "build" / "test-cache")
TOOLS, SCENARIOS = ROOT / "tools", ROOT / "scenarios"
NOT_INPUTS = frozenset({".venv", "node_modules", *NOT_COPIED})
"""Folders that are no input of a scenario: what no copy of the project gets (``end_to_end.copy_project``: the
checkout's .git and build/, the caches). ``.venv`` and ``node_modules``, linked into every copy, enter the
fingerprint through their install markers, which ``make`` renews on every install."""
VARIABLES = ("GORAX_", "CDK8S_", "JSII_")
OWN_VARIABLES = {"GORAX_TEST_CACHE", "GORAX_TEST_CACHE_DIR"}
PATH_TOOLS = ("make", "node", "npm", "git", "promtool", "amtool", "prometheus-alertmanager", "alertmanager", "kubectl")
REUSED_REASON = (
    "scenario passed with every input unchanged (tests/memo.py: the project's fingerprint, today);"
    " GORAX_TEST_CACHE=off runs it again"
)
TOOL_DAYS = 14
"""A tool record not used for this many days is removed at the end of a session."""


def _digest(parts: Iterable[bytes | str]) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        hasher.update(len(data).to_bytes(8, "big"))
        hasher.update(data)
    return hasher.hexdigest()


@functools.cache
def identity(program: str) -> str:
    """The installed binary ``program`` names: resolved path, size and modification time ("" when absent)."""
    found = shutil.which(program)
    if found is None:
        return ""
    path = Path(found).resolve()
    stat = path.stat()
    return f"{path}:{stat.st_size}:{stat.st_mtime_ns}"


def _write(path: Path, text: str) -> None:
    """Atomically: a concurrent reader sees the old record or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as file:
        file.write(text)
    os.replace(file.name, path)


@dataclass(frozen=True)
class ToolResult:
    returncode: int
    stdout: str
    stderr: str
    reused: bool = False


def run_tool(args: Sequence[str], *, reads: Sequence[Path], cwd: Path | None = None, timeout: int = 120) -> ToolResult:
    """``args`` run (``args[0]`` from PATH), or the record of the same run that succeeded before.

    ``reads``: every file the run reads. Absolute paths in ``args`` that name one of them enter the key by
    content, not by name (temporary folders differ from run to run).
    """
    keyed = list(args)
    for index, path in enumerate(reads):
        keyed = [arg.replace(str(path), f"<{index}>") for arg in keyed]
    contents = [part for index, path in enumerate(reads) for part in (f"<{index}>", path.read_bytes())]
    key = _digest([identity(args[0]), *keyed, *contents])
    record = TOOLS / key[:2] / f"{key}.json"
    if ENABLED and record.is_file():
        stored = json.loads(record.read_text())
        os.utime(record)  # used: kept another TOOL_DAYS
        return ToolResult(0, stored["stdout"], stored["stderr"], reused=True)
    program = shutil.which(args[0]) or args[0]
    # Go's collector only near 100 MiB, for runs of a fraction of a second: the promtool scenarios cost ~26 %
    # less CPU than with Go's default (GOGC=100), at a peak of ~115 MB (~385 MB with the collector off).
    env = {**os.environ, "GOGC": "off", "GOMEMLIMIT": "100MiB"}
    done = subprocess.run([program, *args[1:]], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if ENABLED and done.returncode == 0:
        _write(record, json.dumps({"args": keyed, "stdout": done.stdout, "stderr": done.stderr}))
    return ToolResult(done.returncode, done.stdout, done.stderr)


@functools.cache
def fingerprint() -> str:
    """Everything a copy of the project reads, as one digest (~40 ms: ~400 files, ~8 MB)."""
    parts: list[bytes | str] = [sys.version, str(datetime.date.today())]
    for marker in (".venv/.installed", "node_modules/.installed", "node_modules/.bin/node"):
        path = REPO / marker
        parts.append(f"{marker}:{path.stat().st_mtime_ns}:{path.resolve()}" if path.exists() else f"{marker}:-")
    parts += [f"{program}={identity(program)}" for program in PATH_TOOLS]
    variables = sorted((k, v) for k, v in os.environ.items() if k.startswith(VARIABLES) and k not in OWN_VARIABLES)
    parts += [f"{k}={v}" for k, v in variables]
    for folder, directories, files in os.walk(REPO):
        directories[:] = sorted(d for d in directories if d not in NOT_INPUTS)
        for name in sorted(files):
            path = Path(folder, name)
            parts += [str(path.relative_to(REPO)), path.read_bytes() if not path.is_symlink() else os.readlink(path)]
    return _digest(parts)


def _scenario_record() -> Path:
    return SCENARIOS / f"{datetime.date.today()}-{fingerprint()}.json"


def reusable(modules: dict[str, list[str]], passed: set[str]) -> set[str]:
    """The scenario tests to skip: those of each module (id lists by module) all of whose tests passed."""
    return {test for tests in modules.values() if all(t in passed for t in tests) for test in tests}


def passed_scenarios() -> set[str]:
    """The ids of the scenario tests that passed under the current fingerprint."""
    if not ENABLED or not _scenario_record().is_file():
        return set()
    return set(json.loads(_scenario_record().read_text()))


def remember_scenarios(passed: Iterable[str]) -> None:
    """Adds ``passed`` to the current fingerprint's record, and drops records of other days (never read again)
    and tool records unused for ``TOOL_DAYS``."""
    if not ENABLED:
        return
    passed = set(passed)
    if passed:
        SCENARIOS.mkdir(parents=True, exist_ok=True)
        with (SCENARIOS / ".lock").open("w") as lock:  # two processes of `make test` add theirs at once
            fcntl.flock(lock, fcntl.LOCK_EX)
            _write(_scenario_record(), json.dumps(sorted(passed_scenarios() | passed), indent=0))
    today = str(datetime.date.today())
    for record in SCENARIOS.glob("*.json") if SCENARIOS.is_dir() else ():
        if not record.name.startswith(today):
            record.unlink(missing_ok=True)
    cutoff = time.time() - TOOL_DAYS * 86400
    for record in TOOLS.glob("*/*.json") if TOOLS.is_dir() else ():
        if record.stat().st_mtime < cutoff:
            record.unlink(missing_ok=True)
