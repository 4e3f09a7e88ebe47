"""One synth at a time per checkout.

Two synths in one checkout share the staging folder (``build/synth/``): each
deletes the files the other wrote, and promotion then rejects the mix ("output
for an environment that is not configured", "kustomization does not list
exactly the folder's manifests"). The app therefore holds an exclusive
``flock`` on ``build/synth.lock`` from before it writes the staging folder
until ``dist/`` and the docs are written; a second synth waits for it, saying
so on stderr with the holder's pid. The kernel releases the lock when its
holder exits, even when killed, so a crashed synth never blocks the next one.

The data files (``images.yaml``, ``previews.yaml``) are guarded the same way,
each by ``.<file>.lock`` beside it: a command that edits one holds it
exclusively from reading the file to renaming the new text over it, so
pipelines adding previews at once each keep their entry (without it, the last
writer won); readers (the synth, ``diff``, ``list``) hold it shared
while they read, so they see one consistent state. Locks are always taken in
the order images, previews, so two commands never wait for each other.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import TracebackType

LOCK_FILE = Path("build/synth.lock")


class FileLock:
    """A lock on ``path``, exclusive or shared; while held exclusively the file holds the holder's pid."""

    def __init__(
        self, path: Path, *, shared: bool = False, waits_for: str = "another synth in this checkout", shown: str = ""
    ) -> None:
        self.path = path
        self.shared = shared
        self.waits_for = waits_for
        self.shown = shown or str(path)
        self._fd: int | None = None

    def acquire(self, *, wait: bool = True) -> bool:
        """Take the lock, waiting (and saying so) while another process holds it; without ``wait``,
        return False instead of waiting."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        mode = fcntl.LOCK_SH if self.shared else fcntl.LOCK_EX
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                os.close(fd)
                return False
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
            who = f"pid {holder}" if holder.isdigit() else "pid unknown"
            print(f"gorax: waiting for {self.waits_for} to finish ({who}, {self.shown})", file=sys.stderr)
            sys.stderr.flush()
            fcntl.flock(fd, mode)
        self._fd = fd
        if not self.shared:
            try:
                os.ftruncate(fd, 0)
                os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            except OSError:  # a full disk: the pid only informs whoever waits
                pass
        return True

    def release(self) -> None:
        if self._fd is not None:
            if not self.shared:
                os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing the last descriptor releases the flock
            self._fd = None

    def __enter__(self) -> FileLock:
        self.acquire()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.release()


class SynthLock(FileLock):
    """The synth's exclusive lock, ``build/synth.lock``."""

    def __init__(self, path: Path = LOCK_FILE) -> None:
        super().__init__(path, waits_for="another synth in this checkout")


def data_lock(path: Path, *, shared: bool) -> FileLock:
    """The lock of one data file: ``.<name>.lock`` beside it (the file itself is replaced by renames)."""
    from .configuration.errors import shown

    lock = path.with_name(f".{path.name}.lock")
    return FileLock(lock, shared=shared, waits_for=f"another command using {shown(path)}", shown=shown(lock))


@contextmanager
def data_files(edited: Path | None = None) -> Iterator[None]:
    """Hold the data files' locks: ``edited`` exclusively, the others shared."""
    from .configuration.images import images_file
    from .configuration.previews import previews_file

    target = edited.resolve() if edited else None
    with ExitStack() as stack:
        for path in (images_file(), previews_file()):  # always in this order
            stack.enter_context(data_lock(path, shared=path.resolve() != target))
        yield


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
