"""The synth as ``make synth``, ``bin/gorax synth`` and ``cdk8s synth`` run it: synthesize every Gorax environment
and, if all of it is valid, make it ``dist/`` and regenerate ``docs/environments.md`` from the same objects.

``cdk8s synth`` first empties the output folder named in cdk8s.yaml and passes it as ``CDK8S_OUTDIR``: the app
stages in ``build/synth/`` all the same, under a lock, and leaves that folder as a link to it. Any other
``CDK8S_OUTDIR`` -- ``cdk8s synth --stdout`` (a temporary folder the CLI prints), ``cdk8s synth -o <folder>`` --
only exports the manifests there: ``dist/`` and ``docs/`` are left alone. Paths are relative to the repository
root, the working directory of every entry point.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from ..configuration.errors import ConfigError
from .reporting import doing, load_catalog

if TYPE_CHECKING:  # importing the catalog loads the environments: only after recovering dist/
    from .catalog import Catalog
    from .synth import ChartOutput

DIST = Path("dist")
STAGING = Path("build/synth")
CDK8S_CONFIG = Path("cdk8s.yaml")
ENVIRONMENTS_DOC = Path("docs/environments.md")


def main() -> int:
    """Exit status 0 when dist/ (or the export) was written, 1 with one message when nothing was."""
    # Imported here, not at the top: the recovery of an interrupted promotion comes before anything else.
    from ..lock import LOCK_FILE, SynthLock, data_files, show_staging_as
    from .promote import PromotionError, promote, recover_checkout

    with doing(f"checking {DIST}/"):
        recover_checkout(DIST, [ENVIRONMENTS_DOC], LOCK_FILE)  # a killed synth's half-done promotion
    try:
        # Environments are validated as they are defined; the data files are read under their locks.
        with doing("loading the environments"), data_files():
            catalog = load_catalog()
    except ConfigError as error:
        print(f"gorax: invalid configuration, {DIST}/ left unchanged:\n{error}", file=sys.stderr)
        return 1
    config = yaml.safe_load(CDK8S_CONFIG.read_text())
    cli_output = os.environ.get("CDK8S_OUTDIR")  # set by `cdk8s synth`, which empties that folder first
    if cli_output and Path(cli_output).resolve() == DIST.resolve():
        print(f"gorax: the synth output folder must not be {DIST}/ (cdk8s synth empties it first)", file=sys.stderr)
        return 1
    if cli_output and "validations" in config and Path(cli_output).resolve() == Path(config["output"]).resolve():
        print(
            f"gorax: {CDK8S_CONFIG} lists validations, which cdk8s synth runs only after the app has replaced "
            f"{DIST}/; {DIST}/ left unchanged. Run plugins with `cdk8s synth --stdout` (nothing is promoted "
            "there); policies that must hold before promotion belong in gorax_constructs/pipeline/policies.py.",
            file=sys.stderr,
        )
        return 1
    from .synth import EXPORT_FILE, InvalidOutput, synth_catalog

    if cli_output and Path(cli_output).resolve() != Path(config["output"]).resolve():
        try:
            synth_catalog(catalog, Path(cli_output), export=True)
        except InvalidOutput as error:
            print(f"gorax: the synthesized output is invalid:\n{error}", file=sys.stderr)
            return 1
        print(
            f"gorax: manifests of {len(catalog.output_folders())} folders written to {cli_output}/{EXPORT_FILE}, "
            "in apply order",
            file=sys.stderr,
        )
        return 0
    # One synth at a time: a second one waits here (gorax_constructs/lock.py).
    with SynthLock():
        try:
            with doing(f"synthesizing into {STAGING}/ and promoting it to {DIST}/"):
                outputs = synth_catalog(catalog, STAGING)
                # dist/ and the docs page change in one step, which the next command finishes or
                # rolls back if this process is killed in the middle (promote.py).
                promote(STAGING, DIST, catalog.output_folders(), {ENVIRONMENTS_DOC: environments_doc(catalog, outputs)})
        except (InvalidOutput, PromotionError) as error:
            print(f"gorax: the synthesized output is invalid, {DIST}/ left unchanged:\n{error}", file=sys.stderr)
            return 1
        if cli_output:
            show_staging_as(Path(cli_output), STAGING)
    folders = catalog.output_folders()
    shown = ", ".join(folders[:6]) + (", ..." if len(folders) > 6 else "")
    print(f"gorax: {DIST}/ updated ({len(folders)} folders: {shown})")
    return 0


def environments_doc(catalog: Catalog, outputs: Sequence[ChartOutput]) -> str:
    """``docs/environments.md`` for the catalog's permanent environments, in the catalog's order."""
    from .envdoc import render_environments

    by_name = {out.env.name: out for out in outputs if out.env is not None}
    return render_environments([(env, by_name[env.name].objects) for env in catalog.permanent])
