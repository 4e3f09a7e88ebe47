"""One normalisation for both paths of a part's objects: in every environment the tests know (the committed
catalog's and the tests' own, their previews, every option environment, gateway mode), every part writes the
same YAML text on the dict fast path (EnvironmentChart) as on the ApiObject path (each object an ApiObject,
cleaned up by cdk8s in node)."""

from __future__ import annotations

from dataclasses import replace

import cdk8s
import pytest
from cdk8s import Testing as Cdk8sTesting

from gorax_constructs.configuration.model import EnvironmentConfig
from gorax_constructs.parts.chart import EnvironmentChart
from gorax_constructs.parts.manifest import ChartPart, ManifestChart
from gorax_constructs.pipeline.catalog import load_catalog
from gorax_constructs.pipeline.yaml_format import stringify

from .api_object_path import ApiObjectEnvironmentChart
from .fixture_catalog import CATALOG as FIXTURE
from .fixture_catalog import OPTION_ENVIRONMENTS


def _gateway(env: EnvironmentConfig) -> EnvironmentConfig:
    return replace(env, name=f"{env.name}-gw", edge=replace(env.edge, mode="gateway-api"))


KNOWN: tuple[EnvironmentConfig, ...] = (
    tuple(
        env
        for catalog in (load_catalog(), FIXTURE)
        for env in (
            *catalog.permanent,
            *catalog.previews,
            *map(_gateway, catalog.permanent),
        )
    )
    + OPTION_ENVIRONMENTS
)


def texts(objects: list[tuple[dict, str]], chart: cdk8s.Chart) -> dict[tuple[str, str, str], str]:
    """Each object's YAML by (part id, kind, name)."""
    prefix = f"{chart.node.path}/"
    return {
        (path.removeprefix(prefix).split("/")[0], body["kind"], body["metadata"]["name"]): stringify(body)
        for body, path in objects
    }


@pytest.mark.parametrize("env", KNOWN, ids=lambda env: env.name)
def test_every_part_writes_the_same_yaml_on_both_paths(env):
    fast = EnvironmentChart(cdk8s.App(), env)
    slow = ApiObjectEnvironmentChart(cdk8s.App(), env)
    api_objects = [c for c in slow.node.find_all() if isinstance(c, cdk8s.ApiObject)]
    assert texts(fast.objects(), fast) == texts([(o.to_json(), o.node.path) for o in api_objects], slow)


class Quirky(ChartPart):
    """What a part's builder may hand over: an empty label map, a None annotation, floats that are integers."""

    def __init__(self, scope: cdk8s.Chart, id: str) -> None:
        super().__init__(scope, id)
        self.add_manifest(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "probe-quirky", "labels": {}, "annotations": {"note": None, "kept": "yes"}},
                "data": {"ratio": "1.0"},
            }
        )
        self.add_manifest(
            {
                "apiVersion": "policy/v1",
                "kind": "PodDisruptionBudget",
                "metadata": {"name": "probe-floats", "labels": {"tier": "x"}},
                "spec": {"minAvailable": 1.0, "selector": {"matchLabels": {"tier": "x"}}, "unhealthy": (2.5, 3.0)},
            }
        )


def test_quirky_metadata_and_numbers_come_out_alike():
    app = cdk8s.App()
    fast, slow = ManifestChart(app, "fast"), cdk8s.Chart(app, "slow")
    Quirky(fast, "quirky")
    Quirky(slow, "quirky")
    fast_yaml = [stringify(o) for o in fast.to_json()]
    assert sorted(fast_yaml) == sorted(stringify(o) for o in Cdk8sTesting.synth(slow))
    config_map, budget = sorted(fast_yaml, key=lambda text: "kind: ConfigMap" not in text)
    assert "labels" not in config_map and "note" not in config_map and 'kept: "yes"' in config_map
    assert 'ratio: "1.0"' in config_map, "a string stays a string"
    assert "minAvailable: 1\n" in budget and "- 2.5\n  - 3\n" in budget
