"""``bin/gorax synth`` and ``bin/gorax diff``: the commands that synthesize (they start cdk8s)."""

from __future__ import annotations

import argparse
import difflib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ..configuration.errors import REPOSITORY, FileError, shown
from . import BUILD, DIST, ENVIRONMENTS_DOC, UsageError, locked


def synth(args: argparse.Namespace) -> int:
    """What ``make synth`` runs (``main.py``), in this process."""
    from ..pipeline.app import main

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
    from ..pipeline.reporting import load_catalog

    with locked():
        catalog = load_catalog()
    from ..pipeline.app import environments_doc
    from ..pipeline.catalog import PREVIEWS_FOLDER
    from ..pipeline.kustomize import ARGOCD_FOLDER
    from ..pipeline.promote import check
    from ..pipeline.synth import InvalidOutput, synth_catalog

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
