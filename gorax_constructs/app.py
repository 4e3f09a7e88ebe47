"""Building the cdk8s App from a list of environments."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import cdk8s

from .argocd import ArgoCdApplications
from .catalog import PREVIEWS_FOLDER, Catalog
from .chart import EnvironmentChart
from .config import EnvironmentConfig
from .gitops import ARGOCD_FOLDER, SYNTH_RECORD, write_kustomizations

OUTPUT_TYPE = cdk8s.YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE


def build_app(environments: Iterable[EnvironmentConfig], outdir: str) -> cdk8s.App:
    """One chart per environment, written as ``<outdir>/<environment>/<Kind>.<name>.k8s.yaml``.

    ``FOLDER_PER_CHART_FILE_PER_RESOURCE`` keeps same-named objects of
    different environments apart (``FILE_PER_RESOURCE`` would overwrite them).
    """
    app = cdk8s.App(outdir=outdir, yaml_output_type=OUTPUT_TYPE)
    for env in environments:
        EnvironmentChart(app, env)
    return app


def synth_catalog(catalog: Catalog, outdir: Path) -> None:
    """Synthesize the permanent environments and their Argo CD Applications into ``outdir``,
    previews into ``outdir/previews``, and a kustomization.yaml into every folder.

    Previews get an App of their own: a chart's folder is its id, and an id cannot hold a ``/``.
    """
    app = build_app(catalog.permanent, outdir=str(outdir))
    argocd = cdk8s.Chart(app, ARGOCD_FOLDER, disable_resource_name_hashes=True)
    ArgoCdApplications(argocd, "applications", gitops=catalog.gitops, environments=catalog.permanent)
    app.synth()
    if catalog.previews:
        build_app(catalog.previews, outdir=str(outdir / PREVIEWS_FOLDER)).synth()
    write_kustomizations(outdir, catalog.output_folders())
    # Written last: its presence says the synth completed, and which folders it had to produce.
    (outdir / SYNTH_RECORD).write_text(json.dumps({"folders": catalog.output_folders()}, indent=2) + "\n")
