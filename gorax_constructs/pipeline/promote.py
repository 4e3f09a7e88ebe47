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

The companion files (``docs/environments.md``) are part of the same step: each
is written as ``.<name>.incoming`` before the swap and renamed after it. A
process killed at any point leaves a state ``recover`` resolves, and every
entry point (the synth, ``bin/gorax`` of any kind) runs it first: once
``dist.previous-swap/`` exists the swap has begun, so with ``dist/`` present
it is finished (companions renamed, the old tree removed), and with ``dist/``
missing it is rolled back (the old tree renamed back); with no old tree,
nothing was promoted and the incoming files are removed.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

import yaml

from ..lock import SynthLock
from .kustomize import KUSTOMIZATION

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
        listed = yaml.load(kustomization.read_text(), Loader=LOADER)["resources"] if kustomization.exists() else None
        if listed != [p.name for p in files]:
            problems.append(f"{folder}/{KUSTOMIZATION}: does not list exactly the folder's manifests")
    return problems


def incoming_tree(dist: Path) -> Path:
    """Where the next ``dist/`` is prepared (``dist.incoming/``, ignored by git)."""
    return dist.with_name(f"{dist.name}.incoming")


def incoming_file(path: Path) -> Path:
    """Where the next version of a companion file is prepared (``.<name>.incoming``, ignored by git)."""
    return path.with_name(f".{path.name}.incoming")


def recover(dist: Path, companions: Iterable[Path] = ()) -> str:
    """Finish or roll back a promotion a killed process left half done; what was done, or ``""``."""
    previous = dist.with_name(f"{dist.name}.previous-swap")
    leftovers = [incoming_tree(dist), *(incoming_file(path) for path in companions)]
    if previous.exists() and dist.exists():  # swapped: finish the step
        for path in companions:
            if incoming_file(path).exists():
                incoming_file(path).replace(path)
        shutil.rmtree(previous)
        return f"finished the interrupted promotion of {dist.name}/"
    done = ""
    if previous.exists():  # killed between the two renames: put the old tree back
        previous.rename(dist)
        done = f"restored {dist.name}/ from an interrupted promotion"
    for leftover in leftovers:
        if leftover.is_dir():
            shutil.rmtree(leftover)
            done = done or f"removed the leftovers of an interrupted promotion of {dist.name}/"
        elif leftover.exists():
            leftover.unlink()
            done = done or f"removed the leftovers of an interrupted promotion of {dist.name}/"
    return done


def _link_or_copy(source: str, destination: str) -> None:
    """A hard link costs no data copy; the next synth unlinks staging's names and writes new files."""
    try:
        os.link(source, destination)
    except OSError:  # staging on another file system (``cdk8s synth -o /elsewhere``)
        shutil.copy2(source, destination)


def promote(staging: Path, dist: Path, expected: Iterable[str], companions: Mapping[Path, str] | None = None) -> None:
    """Replace ``dist`` by a copy of ``staging``, and each companion file by its text, if, and only if,
    ``staging`` has the expected shape. The caller holds the synth lock."""
    companions = companions or {}
    recover(dist, companions)
    problems = check(staging, expected)
    if problems:
        raise PromotionError("\n".join(problems))
    previous = dist.with_name(f"{dist.name}.previous-swap")
    shutil.copytree(staging, incoming_tree(dist), copy_function=_link_or_copy)
    for path, text in companions.items():
        incoming_file(path).write_text(text)
    if dist.exists():
        dist.rename(previous)
    incoming_tree(dist).rename(dist)
    for path in companions:
        incoming_file(path).replace(path)
    shutil.rmtree(previous, ignore_errors=True)


def recover_checkout(dist: Path, companions: Iterable[Path], lock: Path) -> None:
    """What every entry point runs first: ``recover``, unless a synth holds the lock (it is promoting now,
    and finishes or leaves its state to the next command)."""
    held = SynthLock(lock)
    if not held.acquire(wait=False):
        return
    try:
        done = recover(dist, companions)
    finally:
        held.release()
    if done:
        print(f"gorax: {done}", file=sys.stderr)
