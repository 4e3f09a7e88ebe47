"""Make a synthesized staging folder ``dist/``, all at once or not at all.

``cdk8s synth`` empties its output folder before it runs the app, so the app
never writes to ``dist/`` directly: a failed synth would leave ``dist/``
empty, and a GitOps engine with pruning would delete the environments. The
objects were schema-validated in memory before they were written (see
``synth.synth_catalog``); here the staging folder's shape is checked (every
expected folder present with manifests, its kustomization listing exactly
them), hard-linked next to ``dist/`` and swapped in with renames on one file
system. The staging folder stays: the next synth rewrites only what changed,
and ``cdk8s synth``'s output folder is a link to it (``lock.show_staging_as``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path

import yaml

from .kustomize import KUSTOMIZATION
from .validation import YAML_LOADER


class PromotionError(Exception):
    """The staging folder is not fit to become ``dist/``; ``dist/`` was left as it was."""


def check(staging: Path, expected: Iterable[str]) -> list[str]:
    """Everything wrong with the staging folder's shape (an empty list when it may be promoted).

    ``expected`` lists the output folders relative to ``staging`` (``production``, ``previews/pr-1``).
    """
    if not staging.is_dir():
        return [f"{staging} does not exist: the synth wrote nothing"]
    problems: list[str] = []
    expected = sorted(expected)
    found = sorted({str(p.parent.relative_to(staging)) for p in staging.rglob("*.k8s.yaml")})
    for folder in found:
        if folder not in expected:
            problems.append(f"{folder}: output for an environment that is not configured")
    for folder in expected:
        files = sorted((staging / folder).glob("*.k8s.yaml"))
        if not files:
            problems.append(f"{folder}: no manifests")
        problems += [f"{folder}/{p.name}: empty file" for p in files if p.stat().st_size == 0]
        kustomization = staging / folder / KUSTOMIZATION
        listed = (
            yaml.load(kustomization.read_text(), Loader=YAML_LOADER)["resources"] if kustomization.exists() else None
        )
        if listed != [p.name for p in files]:
            problems.append(f"{folder}/{KUSTOMIZATION}: does not list exactly the folder's manifests")
    return problems


def recover(dist: Path) -> None:
    """Put back a ``dist/`` that an interrupted swap left aside."""
    if not dist.exists():
        leftovers = sorted(dist.parent.glob(f"{dist.name}.previous-*"))
        if leftovers:
            leftovers[-1].rename(dist)


def _link_or_copy(source: str, destination: str) -> None:
    """A hard link costs no data copy; the next synth unlinks staging's names and writes new files."""
    try:
        os.link(source, destination)
    except OSError:  # staging on another file system (``cdk8s synth -o /elsewhere``)
        shutil.copy2(source, destination)


def promote(staging: Path, dist: Path, expected: Iterable[str]) -> None:
    """Replace ``dist`` by a copy of ``staging`` if, and only if, ``staging`` has the expected shape."""
    recover(dist)
    problems = check(staging, expected)
    if problems:
        raise PromotionError("\n".join(problems))
    incoming = dist.with_name(f"{dist.name}.incoming")
    previous = dist.with_name(f"{dist.name}.previous-swap")
    for leftover in (incoming, previous):
        shutil.rmtree(leftover, ignore_errors=True)
    shutil.copytree(staging, incoming, copy_function=_link_or_copy)
    if dist.exists():
        dist.rename(previous)
    incoming.rename(dist)
    shutil.rmtree(previous, ignore_errors=True)
