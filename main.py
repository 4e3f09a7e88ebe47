"""The cdk8s app: synthesize every Gorax environment and, if all of it is valid, make it ``dist/``
and regenerate ``docs/environments.md`` from the same objects.

Run by ``make synth`` (directly) and by ``cdk8s synth``, which first empties the output
folder named in cdk8s.yaml and passes it as ``CDK8S_OUTDIR``: the app stages in
``build/synth/`` all the same, under a lock, and leaves that folder as a link to it.
"""

import os
import sys
from pathlib import Path

from gorax_constructs.errors import ConfigError

DIST = Path("dist")
STAGING = Path("build/synth")
ENVIRONMENTS_DOC = Path("docs/environments.md")


def write_atomically(path: Path, text: str) -> None:
    incoming = path.with_name(f".{path.name}.incoming")
    incoming.write_text(text)
    incoming.replace(path)


def main() -> int:
    try:
        # Environments are validated as they are defined.
        from gorax_constructs.catalog import load_catalog

        catalog = load_catalog()
    except ConfigError as error:
        print(f"gorax: invalid configuration, {DIST}/ left unchanged:\n{error}", file=sys.stderr)
        return 1
    from gorax_constructs.app import InvalidOutput, synth_catalog
    from gorax_constructs.envdoc import render_environments
    from gorax_constructs.lock import SynthLock, show_staging_as
    from gorax_constructs.promote import PromotionError, promote

    cli_output = os.environ.get("CDK8S_OUTDIR")  # set by `cdk8s synth`, which empties that folder first
    if cli_output and Path(cli_output).resolve() == DIST.resolve():
        print(f"gorax: the synth output folder must not be {DIST}/ (cdk8s synth empties it first)", file=sys.stderr)
        return 1
    # One synth at a time: a second one waits here (gorax_constructs/lock.py).
    with SynthLock():
        try:
            charts = synth_catalog(catalog, STAGING)
            promote(STAGING, DIST, catalog.output_folders())
        except (InvalidOutput, PromotionError) as error:
            print(f"gorax: the synthesized output is invalid, {DIST}/ left unchanged:\n{error}", file=sys.stderr)
            return 1
        write_atomically(ENVIRONMENTS_DOC, render_environments([(chart.env, chart.to_json()) for chart in charts]))
        if cli_output:
            show_staging_as(Path(cli_output), STAGING)
    folders = catalog.output_folders()
    shown = ", ".join(folders[:6]) + (", ..." if len(folders) > 6 else "")
    print(f"gorax: {DIST}/ updated ({len(folders)} folders: {shown})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
