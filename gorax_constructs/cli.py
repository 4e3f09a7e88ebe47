"""``bin/gorax``: the command line for people and pipelines.

    bin/gorax previews add NAME --owner O --expires YYYY-MM-DD [--api-tag T] [--worker-tag T]
    bin/gorax previews remove NAME
    bin/gorax previews prune [--today YYYY-MM-DD]
    bin/gorax previews list
    bin/gorax image set ENV [--tag T] [--digest D]   (the one release image, for the API and the workers)
    bin/gorax image set ENV [--api-tag T] [--api-digest D] [--worker-tag T] [--worker-digest D]
    bin/gorax synth
    bin/gorax diff [ENV] [--patch]

A command that edits a file holds its lock (``lock.data_files``) from reading it
to renaming the new text over it, so concurrent edits wait instead of losing
each other's change. It builds the new text (``edits``), writes it next to
the file, validates that candidate exactly as the synth would read it (the whole
configuration for ``previews add`` and ``image set``), and only then renames it
over the file: the file is the old one or the new one, never half of either,
and an invalid edit leaves it as it was. Candidates a killed edit left behind
are removed by the next edit. None of them touches ``dist/`` except ``synth``,
which is ``make synth``; every command first finishes or rolls back a
promotion of ``dist/`` a killed synth left half done (``promote.recover``).
Bad input: one message on stderr, exit 1.

Imports are deferred to the command that needs them: ``--help`` imports
nothing of the project, and only ``synth`` and ``diff`` start cdk8s (the
previews and image commands take ~0.1 s, ``synth`` and ``diff`` ~0.7 s).
"""

from __future__ import annotations

import argparse
import datetime
import difflib
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import NoReturn

from .configuration.errors import REPOSITORY, ConfigError, FileError, brief, shown

DIST = REPOSITORY / "dist"
BUILD = REPOSITORY / "build"
ENVIRONMENTS_DOC = REPOSITORY / "docs" / "environments.md"


class UsageError(Exception):
    """Bad input on the command line."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """argparse exits with status 2; every bad input here exits with 1."""
        self.print_usage(sys.stderr)
        self.exit(1, f"gorax: {message}\n")


def iso_date(value: str) -> datetime.date:
    from .configuration.previews import is_date

    if not is_date(value):
        raise argparse.ArgumentTypeError(f"{brief(value)} is not a date written YYYY-MM-DD, such as 2026-12-31")
    return datetime.date.fromisoformat(value)


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
    from .pipeline.reporting import load_catalog

    os.environ[variable] = str(path)
    load_catalog()


# previews ------------------------------------------------------------------------------------------------


def _previews_path() -> Path:
    from .configuration.previews import previews_file

    return previews_file()


def _listed(path: Path) -> tuple:
    from .configuration.datafile import read
    from .configuration.previews import parse_previews

    return parse_previews(read(path), shown(path)) if path.exists() else ()


def _locked(edited: Path | None = None) -> AbstractContextManager[None]:
    from .lock import data_files

    return data_files(edited)


def _expired(expires: str, today: datetime.date) -> bool:
    """An invalid date is not "expired": the synth reports it; prune and list must not crash on it."""
    from .configuration.previews import is_date

    return is_date(expires) and datetime.date.fromisoformat(expires) < today


def previews_list(args: argparse.Namespace) -> int:
    path = _previews_path()
    with _locked():
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
    from .configuration.edits import add_preview
    from .configuration.previews import PREVIEWS_FILE_VARIABLE

    if args.expires < datetime.date.today():
        raise UsageError(f"--expires {args.expires} is in the past")
    from .configuration.datafile import read

    path = _previews_path()
    entry = {"name": args.name, "owner": args.owner, "expires": args.expires.isoformat()}
    entry |= {key: value for key, value in (("api_tag", args.api_tag), ("worker_tag", args.worker_tag)) if value}
    with _locked(path):
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
    from .configuration.datafile import read
    from .configuration.edits import remove_preview
    from .configuration.previews import parse_previews

    text = read(path)
    for name in names:
        text = remove_preview(text, shown(path), name)
    with candidate(path, text) as new:
        parse_previews(new.read_text(), shown(new))


def previews_remove(args: argparse.Namespace) -> int:
    path = _previews_path()
    with _locked(path):
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
    with _locked(path):
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
    from .configuration.edits import set_image
    from .configuration.images import COMPONENTS, IMAGES_FILE_VARIABLE, images_file

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
    from .configuration.datafile import read

    path = images_file()
    if not path.exists():
        raise UsageError(f"{shown(path)} does not exist")
    with _locked(path), candidate(path, set_image(read(path), shown(path), args.environment, changes)) as new:
        validate_catalog(IMAGES_FILE_VARIABLE, new)
    for component, image in changes.items():
        shown_image = " ".join(f"{key} {value}" for key, value in image.items())
        print(f"gorax: {shown(path)}: {args.environment} {component} now runs {shown_image}")
    return 0


# synth and diff ------------------------------------------------------------------------------------------


def synth(args: argparse.Namespace) -> int:
    """What ``make synth`` runs (``main.py``), in this process."""
    from .pipeline.app import main

    os.chdir(REPOSITORY)
    return main()


def _objects(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()} if folder.is_dir() else {}


def _object_name(file_name: str) -> str:
    """``Deployment.prod-gorax-api.k8s.yaml`` -> ``Deployment/prod-gorax-api``."""
    kind, _, rest = file_name.partition(".")
    return f"{kind}/{rest.removesuffix('.k8s.yaml')}" if rest.endswith(".k8s.yaml") else file_name


def _patch(old: bytes | None, new: bytes | None, path: str) -> Iterator[str]:
    before = old.decode().splitlines(keepends=True) if old is not None else []
    after = new.decode().splitlines(keepends=True) if new is not None else []
    yield from difflib.unified_diff(
        before, after, f"a/{path}" if old else "/dev/null", f"b/{path}" if new else "/dev/null"
    )


def diff(args: argparse.Namespace) -> int:
    """Synthesize into a throwaway folder and compare it with ``dist/``, folder by folder, object by object."""
    from .pipeline.reporting import load_catalog

    with _locked():
        catalog = load_catalog()
    from .pipeline.app import environments_doc
    from .pipeline.catalog import PREVIEWS_FOLDER
    from .pipeline.kustomize import ARGOCD_FOLDER
    from .pipeline.promote import check
    from .pipeline.synth import InvalidOutput, synth_catalog

    configured = catalog.output_folders()
    committed = sorted({str(p.parent.relative_to(DIST)) for p in DIST.rglob("*.k8s.yaml")} if DIST.is_dir() else set())
    folders = [*configured, *(folder for folder in committed if folder not in configured)]
    if args.environment:
        wanted = {args.environment, f"{PREVIEWS_FOLDER}/{args.environment}"}
        chosen = [folder for folder in folders if folder in wanted]
        if not chosen:
            names = [folder.removeprefix(f"{PREVIEWS_FOLDER}/") for folder in folders if folder != ARGOCD_FOLDER]
            closest = [name for name in names if name.startswith(args.environment)]
            closest = closest or difflib.get_close_matches(args.environment, [*names, ARGOCD_FOLDER], n=1)
            hint = f"did you mean '{closest[0]}'? " if closest else ""
            raise UsageError(f"no environment '{args.environment}'; {hint}environments: {', '.join(names)}")
        folders = chosen
    BUILD.mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="diff-", dir=BUILD))
    try:
        try:
            outputs = synth_catalog(catalog, work)
        except InvalidOutput as error:
            raise FileError(f"the synthesized output is invalid:\n{error}") from None
        problems = check(work, configured)
        if problems:
            raise FileError("the synthesized output is invalid:\n" + "\n".join(problems))
        changed = False
        for folder in folders:
            old, new = _objects(DIST / folder), _objects(work / folder)
            names = sorted(name for name in old.keys() | new.keys() if old.get(name) != new.get(name))
            if not names:
                continue
            changed = True
            state = "new" if not old else "removed" if not new else f"{len(names)} of {len(new)} files change"
            print(f"{folder}: {state}")
            for name in names:
                mark = "+" if name not in old else "-" if name not in new else "~"
                print(f"  {mark} {_object_name(name)}")
                if args.patch:
                    sys.stdout.writelines(_patch(old.get(name), new.get(name), f"dist/{folder}/{name}"))
        if not args.environment:
            doc = environments_doc(catalog, outputs)
            current = ENVIRONMENTS_DOC.read_text() if ENVIRONMENTS_DOC.exists() else ""
            if doc != current:
                changed = True
                print(f"{shown(ENVIRONMENTS_DOC)}: changes")
                if args.patch:
                    sys.stdout.writelines(_patch(current.encode(), doc.encode(), shown(ENVIRONMENTS_DOC)))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if not changed:
        print("gorax: a synth would change nothing")
    return 1 if changed else 0


# the parser ----------------------------------------------------------------------------------------------


def parser() -> Parser:
    top = Parser(prog="bin/gorax", description="Change previews and images, synthesize and diff dist/.")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    previews = commands.add_parser("previews", help="list, add, remove or prune preview environments")
    what = previews.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = what.add_parser("list", help="the previews in previews.yaml")
    listing.set_defaults(run=previews_list)
    add = what.add_parser("add", help="add a preview to previews.yaml (validated like a synth)")
    add.add_argument("name", metavar="NAME", help="a DNS label starting with pr-, at most 30 characters, e.g. pr-123")
    add.add_argument("--owner", required=True, help="who to ask about it (a label value)")
    add.add_argument("--expires", required=True, type=iso_date, metavar="YYYY-MM-DD", help="when it may go")
    add.add_argument("--api-tag", default="", metavar="TAG", help="API image tag (default: development's)")
    add.add_argument("--worker-tag", default="", metavar="TAG", help="worker image tag (default: development's)")
    add.set_defaults(run=previews_add)
    remove = what.add_parser("remove", help="remove a preview from previews.yaml")
    remove.add_argument("name", metavar="NAME")
    remove.set_defaults(run=previews_remove)
    prune = what.add_parser("prune", help="remove the expired previews and print them")
    prune.add_argument(
        "--today", type=iso_date, default=datetime.date.today(), metavar="YYYY-MM-DD", help="default: today"
    )
    prune.set_defaults(run=previews_prune)

    image = commands.add_parser("image", help="set the image a permanent environment runs (images.yaml)")
    image_what = image.add_subparsers(dest="action", required=True, metavar="ACTION")
    set_ = image_what.add_parser(
        "set",
        help="set the image (API and workers) of an environment",
        description="Set a tag, a digest (sha256:...) or both: --tag/--digest for the one release image both "
        "components run, or per component; a component not named keeps its image. Production and staging "
        "refuse what the configuration refuses (mutable tags).",
    )
    set_.add_argument("environment", metavar="ENV", help="a permanent environment, e.g. production")
    set_.add_argument("--tag", default="", metavar="TAG", help="the release image's tag, for both components")
    set_.add_argument("--digest", default="", metavar="DIGEST", help="the release image's digest, for both")
    for component in ("api", "worker"):
        set_.add_argument(f"--{component}-tag", default="", metavar="TAG")
        set_.add_argument(f"--{component}-digest", default="", metavar="DIGEST", help="sha256:<64 hex digits>")
    set_.set_defaults(run=image_set)

    synth_command = commands.add_parser("synth", help="synthesize dist/ (what make synth does)")
    synth_command.set_defaults(run=synth)
    diff_command = commands.add_parser(
        "diff",
        help="what a synth would change in dist/ (exit 1 if anything), changing nothing",
        description="Synthesize into a throwaway folder and list, per environment folder, the objects a synth "
        "would add (+), remove (-) or change (~). Exit status 1 when anything would change.",
    )
    diff_command.add_argument("environment", nargs="?", metavar="ENV", help="one environment or preview, or argocd")
    diff_command.add_argument("-p", "--patch", action="store_true", help="show each change as a unified diff")
    diff_command.set_defaults(run=diff)
    return top


def main(argv: list[str] | None = None) -> int:
    from .pipeline.reporting import doing, run

    args = parser().parse_args(argv)
    command: Callable[[argparse.Namespace], int] = args.run
    name = " ".join(filter(None, (args.command, getattr(args, "action", None))))

    def execute() -> int:
        from .pipeline.promote import recover_checkout

        try:
            with doing(f"running bin/gorax {name}"):
                recover_checkout(DIST, [ENVIRONMENTS_DOC], BUILD / "synth.lock")
                return command(args)
        except (ConfigError, UsageError) as error:
            print(f"gorax: {error}", file=sys.stderr)
            return 1

    return run(execute)


if __name__ == "__main__":
    sys.exit(main())
