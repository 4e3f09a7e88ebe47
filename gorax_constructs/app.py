"""Synthesizing the catalog into a staging folder: build, validate, write."""

from __future__ import annotations

import shutil
from pathlib import Path

import cdk8s

from .argocd import ArgoCdApplications
from .catalog import Catalog
from .chart import EnvironmentChart
from .gitops import ARGOCD_FOLDER, write_kustomizations
from .manifest import ManifestChart, file_name
from .validation import crd_dir, document_errors


class InvalidOutput(Exception):
    """Synthesized objects fail schema validation; nothing may be promoted."""


def folder_app(outdir: Path) -> cdk8s.App:
    """An App that writes its charts' objects as ``<outdir>/<Kind>.<name>.k8s.yaml``.

    One App per folder (rather than ``FOLDER_PER_CHART_FILE_PER_RESOURCE``) because only the
    per-resource output types ask a chart for its objects in one ``toJson`` call, and a chart
    id could not hold the ``/`` of ``previews/<name>``.
    """
    return cdk8s.App(outdir=str(outdir), yaml_output_type=cdk8s.YamlOutputType.FILE_PER_RESOURCE)


def schema_problems(chart: ManifestChart, folder: str) -> list[str]:
    """Every schema error of the chart's objects, each prefixed with the file it goes to.

    The objects are validated in memory, before they are written: parsing the
    written YAML back would cost more than the whole synth (README, "Performance").
    """
    crds = crd_dir()
    return [
        f"{folder}/{file_name(body)}.k8s.yaml: {error}"
        for body in chart.to_json()
        for error in document_errors(body, crds)
    ]


def synth_catalog(catalog: Catalog, outdir: Path) -> list[EnvironmentChart]:
    """Synthesize every environment and the Argo CD Applications into ``outdir`` (emptied first)
    and a kustomization.yaml into every folder.

    Returns the permanent environments' charts. Raises ``InvalidOutput`` when any object
    fails schema validation.
    """
    shutil.rmtree(outdir, ignore_errors=True)
    problems: list[str] = []
    charts: list[EnvironmentChart] = []
    environments = (*catalog.permanent, *catalog.previews)
    for env, folder in zip(environments, catalog.environment_folders(), strict=True):
        app = folder_app(outdir / folder)
        charts.append(EnvironmentChart(app, env))
        problems += schema_problems(charts[-1], folder)
        app.synth()
    app = folder_app(outdir / ARGOCD_FOLDER)
    argocd = ManifestChart(app, ARGOCD_FOLDER)
    ArgoCdApplications(argocd, "applications", gitops=catalog.gitops, environments=catalog.permanent)
    problems += schema_problems(argocd, ARGOCD_FOLDER)
    app.synth()
    if problems:
        raise InvalidOutput("\n".join(problems))
    write_kustomizations(outdir, catalog.output_folders())
    return charts[: len(catalog.permanent)]
