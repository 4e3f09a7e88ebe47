"""Validate a synthesized folder and only then make it ``dist/``.

``cdk8s synth`` empties its output folder before it runs the app, so it never
writes to ``dist/`` directly: a failed synth would leave ``dist/`` empty, and a
GitOps engine with pruning would delete the environments. Here the staging
folder is checked (every expected environment present and non-empty, every
object schema-valid) and then swapped in with renames on the same file system.

Usage: ``python -m gorax_constructs.promote STAGING DIST``
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterable
from pathlib import Path

import yaml

from .gitops import KUSTOMIZATION, SYNTH_RECORD
from .validation import crd_dir, document_errors, load_documents


class PromotionError(Exception):
    """The staging folder is not fit to become ``dist/``; ``dist/`` was left as it was."""


def check(staging: Path, expected: Iterable[str]) -> list[str]:
    """Everything wrong with the staging folder (an empty list when it may be promoted).

    ``expected`` lists the output folders relative to ``staging`` (``production``, ``previews/pr-1``).
    """
    if not staging.is_dir():
        return [f"{staging} does not exist: the synth wrote nothing"]
    problems: list[str] = []
    crds = crd_dir()
    expected = sorted(expected)
    found = sorted({str(p.parent.relative_to(staging)) for p in staging.rglob("*.k8s.yaml")})
    for folder in found:
        if folder not in expected:
            problems.append(f"{folder}: output for an environment that is not configured")
    for folder in expected:
        files = sorted((staging / folder).glob("*.k8s.yaml"))
        if not files:
            problems.append(f"{folder}: no manifests")
        kustomization = staging / folder / KUSTOMIZATION
        listed = yaml.safe_load(kustomization.read_text())["resources"] if kustomization.exists() else None
        if listed != [p.name for p in files]:
            problems.append(f"{folder}/{KUSTOMIZATION}: does not list exactly the folder's manifests")
        for path, doc in load_documents(files):
            for error in document_errors(doc, crds):
                problems.append(f"{folder}/{path.name}: {error}")
    return problems


def recover(dist: Path) -> None:
    """Put back a ``dist/`` that an interrupted swap left aside."""
    if not dist.exists():
        leftovers = sorted(dist.parent.glob(f"{dist.name}.previous-*"))
        if leftovers:
            leftovers[-1].rename(dist)


def promote(staging: Path, dist: Path, expected: Iterable[str]) -> None:
    """Replace ``dist`` by ``staging`` if, and only if, ``staging`` validates."""
    recover(dist)
    problems = check(staging, expected)
    if problems:
        raise PromotionError("\n".join(problems))
    (staging / SYNTH_RECORD).unlink(missing_ok=True)
    previous = dist.with_name(f"{dist.name}.previous-swap")
    if previous.exists():
        shutil.rmtree(previous)
    if dist.exists():
        dist.rename(previous)
    staging.rename(dist)
    if previous.exists():
        shutil.rmtree(previous)


def expected_folders(staging: Path) -> list[str]:
    """The folders the synth said it wrote; without its record, the synth did not complete."""
    record = staging / SYNTH_RECORD
    if not record.is_file():
        raise PromotionError(f"{record} is missing: the synth did not complete")
    return list(json.loads(record.read_text())["folders"])


def main(argv: list[str]) -> int:
    staging, dist = Path(argv[0]), Path(argv[1])
    try:
        promote(staging, dist, expected_folders(staging))
    except PromotionError as error:
        print(f"synth: {dist}/ left unchanged; the synthesized output is invalid:\n{error}", file=sys.stderr)
        return 1
    print(f"synth: {dist}/ updated ({sum(1 for _ in dist.rglob('*.yaml'))} manifests)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
