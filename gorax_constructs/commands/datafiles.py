"""``bin/gorax previews ...`` and ``bin/gorax image set``: the commands that edit ``previews.yaml`` and ``images.yaml``.

A command that edits a file holds its lock (``lock.data_files``) from reading it
to renaming the new text over it, so concurrent edits wait instead of losing
each other's change. It builds the new text (``edits``), writes it next to
the file, validates that candidate exactly as the synth would read it (the whole
configuration for ``previews add`` and ``image set``), and only then renames it
over the file: the file is the old one or the new one, never half of either,
and an invalid edit leaves it as it was. Candidates a killed edit left behind
are removed by the next edit.
"""

from __future__ import annotations

import argparse
import datetime
import difflib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..configuration.errors import ConfigError, FileError, brief, shown
from . import UsageError, locked


@contextmanager
def candidate(path: Path, text: str) -> Iterator[Path]:
    """The new text of ``path`` written beside it; renamed over ``path`` if the block succeeds, else removed.

    Errors that name the candidate are reported with the file's own name.
    """
    for stale in path.parent.glob(f".{path.name}.*.incoming"):  # left by a killed edit; we hold the lock
        stale.unlink(missing_ok=True)
    descriptor, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".incoming", dir=path.parent)
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "w") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        try:
            yield temporary
        except ConfigError as error:
            message = str(error).replace(shown(temporary), shown(path)).replace(str(temporary), shown(path))
            raise FileError(f"{shown(path)} not changed: {message}") from None
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def validate_catalog(variable: str, path: Path) -> None:
    """Load the whole configuration with ``path`` as the file named by ``variable``: what a synth would read."""
    from ..pipeline.reporting import load_catalog

    os.environ[variable] = str(path)
    load_catalog()


# previews ------------------------------------------------------------------------------------------------


def _previews_path() -> Path:
    from ..configuration.previews import previews_file

    return previews_file()


def _listed(path: Path) -> tuple:
    from ..configuration.datafile import read
    from ..configuration.previews import parse_previews

    return parse_previews(read(path), shown(path)) if path.exists() else ()


def _expired(expires: str, today: datetime.date) -> bool:
    """An invalid date is not "expired": the synth reports it; prune and list must not crash on it."""
    from ..configuration.previews import is_date

    return is_date(expires) and datetime.date.fromisoformat(expires) < today


def previews_list(args: argparse.Namespace) -> int:
    path = _previews_path()
    with locked():
        listed = _listed(path)
    if not listed:
        print(f"no previews in {shown(path)}")
        return 0
    today = datetime.date.today()
    rows = [("NAME", "OWNER", "EXPIRES", "API TAG", "WORKER TAG", "")]
    for entry in listed:
        preview = entry.preview
        expired = "expired" if _expired(preview.expires, today) else ""
        rows.append((preview.name, preview.owner, preview.expires, preview.api_tag, preview.worker_tag, expired))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    return 0


def previews_add(args: argparse.Namespace) -> int:
    from ..configuration.edits import add_preview
    from ..configuration.previews import PREVIEWS_FILE_VARIABLE

    if args.expires < datetime.date.today():
        raise UsageError(f"--expires {args.expires} is in the past")
    from ..configuration.datafile import read

    path = _previews_path()
    entry = {"name": args.name, "owner": args.owner, "expires": args.expires.isoformat()}
    entry |= {key: value for key, value in (("api_tag", args.api_tag), ("worker_tag", args.worker_tag)) if value}
    with locked(path):
        text = read(path) if path.exists() else ""
        for listed in _listed(path):
            if listed.preview.name == args.name:
                raise UsageError(
                    f"preview '{args.name}' is already listed ({shown(path)}, line {listed.line}); "
                    f"to change it: bin/gorax previews remove {args.name}, then add it again"
                )
        with candidate(path, add_preview(text, shown(path), entry)) as new:
            validate_catalog(PREVIEWS_FILE_VARIABLE, new)
    print(f"gorax: {shown(path)}: added preview '{args.name}' (owner {args.owner}, expires {args.expires})")
    return 0


def _remove(path: Path, names: list[str]) -> None:
    """Remove ``names`` from the previews file; the caller holds its lock."""
    from ..configuration.datafile import read
    from ..configuration.edits import remove_preview
    from ..configuration.previews import parse_previews

    text = read(path)
    for name in names:
        text = remove_preview(text, shown(path), name)
    with candidate(path, text) as new:
        parse_previews(new.read_text(), shown(new))


def previews_remove(args: argparse.Namespace) -> int:
    path = _previews_path()
    with locked(path):
        names = [entry.preview.name for entry in _listed(path)]
        if args.name not in names:
            closest = difflib.get_close_matches(args.name, names, n=1)
            hint = f"; did you mean '{closest[0]}'?" if closest else f" (listed: {', '.join(names) or 'none'})"
            raise UsageError(f"no preview named {brief(args.name)} in {shown(path)}{hint}")
        _remove(path, [args.name])
    print(f"gorax: {shown(path)}: removed preview '{args.name}'")
    return 0


def previews_prune(args: argparse.Namespace) -> int:
    path = _previews_path()
    with locked(path):
        listed = [entry.preview for entry in _listed(path)]
        expired = [preview for preview in listed if _expired(preview.expires, args.today)]
        if not expired:
            print(f"gorax: no preview in {shown(path)} expired before {args.today}")
            return 0
        _remove(path, [preview.name for preview in expired])
    for preview in expired:
        print(f"removed {preview.name} (owner {preview.owner}, expired {preview.expires})")
    return 0


# images --------------------------------------------------------------------------------------------------


def image_set(args: argparse.Namespace) -> int:
    from ..configuration.edits import set_image
    from ..configuration.images import COMPONENTS, IMAGES_FILE_VARIABLE, images_file

    changes = {}
    for component in COMPONENTS:
        image = {"tag": getattr(args, f"{component}_tag"), "digest": getattr(args, f"{component}_digest")}
        if any(image.values()):
            changes[component] = {key: value for key, value in image.items() if value}
    release = {key: value for key, value in (("tag", args.tag), ("digest", args.digest)) if value}
    if release and changes:
        raise UsageError("give --tag/--digest (both components) or --api-*/--worker-* options, not both")
    if release:
        # Upstream releases one image holding both binaries: both components run it.
        changes = {component: dict(release) for component in COMPONENTS}
    if not changes:
        raise UsageError(
            "give --tag or --digest, or at least one of --api-tag, --api-digest, --worker-tag, --worker-digest"
        )
    from ..configuration.datafile import read

    path = images_file()
    if not path.exists():
        raise UsageError(f"{shown(path)} does not exist")
    with locked(path), candidate(path, set_image(read(path), shown(path), args.environment, changes)) as new:
        validate_catalog(IMAGES_FILE_VARIABLE, new)
    for component, image in changes.items():
        shown_image = " ".join(f"{key} {value}" for key, value in image.items())
        print(f"gorax: {shown(path)}: {args.environment} {component} now runs {shown_image}")
    return 0
