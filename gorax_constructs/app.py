"""Synthesizing the catalog: one cdk8s App per output folder."""

from __future__ import annotations

import json
from pathlib import Path

import cdk8s

from .argocd import ArgoCdApplications
from .catalog import Catalog
from .chart import EnvironmentChart
from .config import EnvironmentConfig
from .gitops import ARGOCD_FOLDER, SYNTH_RECORD, write_kustomizations
from .manifest import ManifestChart


def folder_app(outdir: Path) -> cdk8s.App:
    """An App that writes its charts' objects as ``<outdir>/<Kind>.<name>.k8s.yaml``.

    One App per folder (rather than ``FOLDER_PER_CHART_FILE_PER_RESOURCE``) because only the
    per-resource output types ask a chart for its objects in one ``toJson`` call, and a chart
    id could not hold the ``/`` of ``previews/<name>``.
    """
    return cdk8s.App(outdir=str(outdir), yaml_output_type=cdk8s.YamlOutputType.FILE_PER_RESOURCE)


def synth_environment(env: EnvironmentConfig, outdir: Path) -> EnvironmentChart:
    """Write one environment's objects into ``outdir``; returns its chart."""
    app = folder_app(outdir)
    chart = EnvironmentChart(app, env)
    app.synth()
    return chart


def synth_argocd(catalog: Catalog, outdir: Path) -> None:
    app = folder_app(outdir)
    ArgoCdApplications(
        ManifestChart(app, ARGOCD_FOLDER), "applications", gitops=catalog.gitops, environments=catalog.permanent
    )
    app.synth()


def synth_catalog(catalog: Catalog, outdir: Path) -> None:
    """Synthesize every environment and the Argo CD Applications into ``outdir``, a
    kustomization.yaml into every folder, and last the synth record that says it completed."""
    environments = (*catalog.permanent, *catalog.previews)
    for env, folder in zip(environments, catalog.environment_folders(), strict=True):
        synth_environment(env, outdir / folder)
    synth_argocd(catalog, outdir / ARGOCD_FOLDER)
    write_kustomizations(outdir, catalog.output_folders())
    # Written last: its presence says the synth completed, and which folders it had to produce.
    (outdir / SYNTH_RECORD).write_text(json.dumps({"folders": catalog.output_folders()}, indent=2) + "\n")
