"""Extending an environment the cdk8s way: docs/extending.md's own examples land in dist/, validated, and
what cdk8s-plus-27 leaves out of Pod Security restricted fails the synth with what to set."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import cdk8s
import pytest
import yaml

from gorax_constructs.parts.chart import EnvironmentChart
from gorax_constructs.pipeline.catalog import Catalog
from gorax_constructs.pipeline.synth import InvalidOutput, synth_catalog
from gorax_constructs.pipeline.validation import YAML_LOADER

from . import fixture_catalog as fixture
from .conftest import REPO

PERMANENT = Catalog(permanent=fixture.PERMANENT, previews=())
"""The README's examples extend "production"; here they extend the fixture's production environment."""
PRODUCTION = fixture.PRODUCTION
PROD = PRODUCTION.prefix


EXTENDING = REPO / "docs" / "extending.md"


def docs_block(marker: str) -> str:
    """The Python block that follows ``<!-- marker -->`` in docs/extending.md."""
    match = re.search(rf"<!-- {marker} -->\n```python\n(.*?)```", EXTENDING.read_text(), re.S)
    assert match, f"docs/extending.md has no {marker} block"
    return match.group(1)


def run_block(marker: str) -> dict:
    """Execute a docs/extending.md block as if it were gorax_constructs/extensions.py."""
    namespace = {"__name__": "gorax_constructs.readme_example", "__package__": "gorax_constructs"}
    exec(compile(docs_block(marker), f"docs/extending.md ({marker})", "exec"), namespace)
    return namespace


def load(folder: Path) -> dict[str, dict]:
    return {p.name: yaml.load(p.read_text(), Loader=YAML_LOADER) for p in folder.glob("*.k8s.yaml")}


def test_readme_extension_lands_in_production_only_validated(tmp_path):
    example = run_block("extension-example")
    (extension,) = example["EXTENSIONS"]["production"]
    synth_catalog(PERMANENT, tmp_path, extensions={PRODUCTION.name: (extension,)})
    production = load(tmp_path / PRODUCTION.name)
    cron = production[f"CronJob.{PROD}-gorax-report.k8s.yaml"]
    assert cron["metadata"]["namespace"] == PRODUCTION.namespace
    assert cron["metadata"]["labels"]["app.kubernetes.io/instance"] == f"{PROD}-gorax"
    policy = production[f"NetworkPolicy.{PROD}-gorax-report.k8s.yaml"]
    assert policy["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"] == "-2"
    rule = production[f"PrometheusRule.{PROD}-gorax-report-alerts.k8s.yaml"]
    assert dict(PRODUCTION.monitoring.prometheus_labels).items() <= rule["metadata"]["labels"].items()
    for other in PERMANENT.permanent:
        if other != PRODUCTION:
            assert not [name for name in load(tmp_path / other.name) if "report" in name]
    kustomization = yaml.safe_load((tmp_path / PRODUCTION.name / "kustomization.yaml").read_text())
    assert f"CronJob.{PROD}-gorax-report.k8s.yaml" in kustomization["resources"]


def without_patches(extension: Callable[[EnvironmentChart], None]) -> Callable[[EnvironmentChart], None]:
    def unpatched(chart: EnvironmentChart) -> None:
        original = cdk8s.ApiObject.add_json_patch
        cdk8s.ApiObject.add_json_patch = lambda self, *ops: None
        try:
            extension(chart)
        finally:
            cdk8s.ApiObject.add_json_patch = original

    return unpatched


def test_cdk8s_plus_defaults_fail_the_synth_saying_what_to_set(tmp_path):
    nightly_report = run_block("extension-example")["nightly_report"]
    with pytest.raises(InvalidOutput) as caught:
        synth_catalog(PERMANENT, tmp_path, extensions={PRODUCTION.name: (without_patches(nightly_report),)})
    message = str(caught.value)
    expected = (
        f"{PRODUCTION.name}: CronJob/{PROD}-gorax-report: container report: set securityContext.capabilities.drop"
    )
    assert expected in message
    assert "seccompProfile.type: RuntimeDefault" in message


def test_patch_changes_one_object_of_one_environment(tmp_path):
    production_only = run_block("patch-example")["production_only"]
    synth_catalog(PERMANENT, tmp_path, extensions={PRODUCTION.name: (production_only,)})
    key = "cluster-autoscaler.kubernetes.io/safe-to-evict"
    api = load(tmp_path / PRODUCTION.name)[f"Deployment.{PROD}-gorax-api.k8s.yaml"]
    assert api["spec"]["template"]["metadata"]["annotations"][key] == "false"
    staging = fixture.STAGING
    other = load(tmp_path / staging.name)[f"Deployment.{staging.prefix}-gorax-api.k8s.yaml"]
    assert key not in other["spec"]["template"]["metadata"]["annotations"]


def test_a_patch_that_breaks_the_schema_or_names_nothing_fails(tmp_path):
    def breaks(chart: EnvironmentChart) -> None:
        chart.patch("Deployment", f"{PROD}-gorax-api", cdk8s.JsonPatch.add("/spec/replicaz", 3))

    with pytest.raises(InvalidOutput, match=rf"{PRODUCTION.name}/Deployment.{PROD}-gorax-api.k8s.yaml: .*replicaz"):
        synth_catalog(PERMANENT, tmp_path, extensions={PRODUCTION.name: (breaks,)})

    def names_nothing(chart: EnvironmentChart) -> None:
        chart.patch("Deployment", f"{PROD}-gorax-apj", cdk8s.JsonPatch.add("/spec/replicas", 3))

    with pytest.raises(InvalidOutput, match=f"patch for Deployment {PROD}-gorax-apj, which the chart does not emit"):
        synth_catalog(PERMANENT, tmp_path, extensions={PRODUCTION.name: (names_nothing,)})


def test_extensions_for_an_unknown_environment_are_an_error(tmp_path):
    with pytest.raises(InvalidOutput, match="not configured: prodution"):
        synth_catalog(PERMANENT, tmp_path, extensions={"prodution": ()})
