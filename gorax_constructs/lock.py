"""One synth at a time per checkout.

Two synths in one checkout share the staging folder (``build/synth/``): each
deletes the files the other wrote, and promotion then rejects the mix ("output
for an environment that is not configured", "kustomization does not list
exactly the folder's manifests"). The app therefore holds an exclusive
``flock`` on ``build/synth.lock`` from before it writes the staging folder
until ``dist/`` and the docs are written; a second synth waits for it, saying
so on stderr with the holder's pid. The kernel releases the lock when its
holder exits, even when killed, so a crashed synth never blocks the next one.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sys
from pathlib import Path
from types import TracebackType

LOCK_FILE = Path("build/synth.lock")


class SynthLock:
    """An exclusive lock on ``path``; the file holds the holder's pid while it is held."""

    def __init__(self, path: Path = LOCK_FILE) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
            who = f"pid {holder}" if holder.isdigit() else "pid unknown"
            print(f"gorax: waiting for another synth in this checkout to finish ({who}, {self.path})", file=sys.stderr)
            sys.stderr.flush()
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing the last descriptor releases the flock
            self._fd = None

    def __enter__(self) -> SynthLock:
        self.acquire()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.release()


def show_staging_as(outdir: Path, staging: Path) -> None:
    """Make ``outdir`` (``cdk8s synth``'s output folder, ``CDK8S_OUTDIR``) a symlink to the staging folder.

    ``cdk8s synth`` deletes its output folder before it starts the app, outside any lock
    of ours, so the app never stages there: a second ``cdk8s synth`` would delete the
    files of a synth in progress. After the app, the CLI lists (and would hand to its
    validation plugins) the ``.yaml`` files under its output folder, so that folder
    becomes a link to what was just staged and promoted. The CLI deletes only the link
    (Node's ``fs.rmSync`` does not follow symlinks).
    """
    if outdir.resolve() == staging.resolve():
        return
    if outdir.is_dir() and not outdir.is_symlink():  # a real folder, left by an older configuration
        shutil.rmtree(outdir)
    outdir.parent.mkdir(parents=True, exist_ok=True)
    # Made aside and renamed over: another `cdk8s synth` may delete the old link at any moment.
    link = outdir.with_name(f".{outdir.name}.{os.getpid()}")
    link.unlink(missing_ok=True)
    link.symlink_to(os.path.relpath(staging.resolve(), outdir.parent.resolve()), target_is_directory=True)
    link.replace(outdir)
