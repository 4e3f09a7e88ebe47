"""Each part is a cdk8s construct: in a bare cdk8s Chart it emits ApiObjects (so ApiObject.of, JSON
patches, validations and Testing.synth work) equal to what it emits in an EnvironmentChart, and an
EnvironmentChart's output is everything in its construct tree."""

from __future__ import annotations

import cdk8s
import cdk8s_plus_27 as kplus
import jsii
import pytest
from cdk8s import Testing as Cdk8sTesting
from constructs import Construct, IValidation

from gorax_constructs import (
    EnvironmentChart,
    Platform,
)
from gorax_constructs.configuration.model import EnvironmentConfig
from gorax_constructs.configuration.naming import Naming
from gorax_constructs.parts.chart import build_parts as chart_parts
from gorax_constructs.parts.manifest import DuplicateObject
from gorax_constructs.pipeline.catalog import Catalog
from gorax_constructs.pipeline.synth import InvalidOutput, synth_catalog

from . import fixture_catalog as fixture
from .fixture_catalog import PERMANENT as ENVIRONMENTS
from .fixture_catalog import PRODUCTION

PART_IDS = ("platform", "config", "secrets", "api", "worker", "migration", "edge", "network", "observability")


def build_parts(scope: Construct, env: EnvironmentConfig) -> dict[str, Construct]:
    """The parts wired as EnvironmentChart wires them (its own ``build_parts``), in any scope."""
    return chart_parts(scope, env).by_id()


def key(body: dict) -> tuple[str, str]:
    return body["kind"], body["metadata"]["name"]


@pytest.fixture
def app(tmp_path):
    """A plain App per test (``Testing.app()`` would leak a temp folder)."""
    return cdk8s.App(outdir=str(tmp_path))


@pytest.mark.parametrize("env", ENVIRONMENTS, ids=lambda env: env.name)
def test_each_part_in_a_bare_chart_emits_what_it_emits_in_the_environment_chart(app, env):
    environment = EnvironmentChart(app, env)
    by_part: dict[str, dict] = {}
    for body, path in environment.objects():
        by_part.setdefault(path.split("/")[-1], {})[key(body)] = body
    bare = cdk8s.Chart(app, f"bare-{env.name}")
    parts = build_parts(bare, env)
    assert sorted(by_part) == sorted(p for p in PART_IDS if p in by_part)
    for part_id, part in parts.items():
        emitted = {key(o.to_json()): o.to_json() for o in part.node.children if isinstance(o, cdk8s.ApiObject)}
        assert emitted == by_part.get(part_id, {}), part_id
    assert {key(o) for o in Cdk8sTesting.synth(bare)} == {key(o) for o in environment.to_json()}


def test_api_object_of_and_json_patches_work_on_a_part_in_a_bare_chart(app):
    bare = cdk8s.Chart(app, "bare-patch")
    platform = Platform(bare, "platform", naming=Naming.of(PRODUCTION))
    account = cdk8s.ApiObject.of(platform.node.find_child(f"ServiceAccount.{PRODUCTION.prefix}-gorax"))
    account.add_json_patch(cdk8s.JsonPatch.add("/metadata/annotations", {"team": "platform"}))
    (synthesized,) = [o for o in Cdk8sTesting.synth(bare) if o["kind"] == "ServiceAccount"]
    assert synthesized["metadata"]["annotations"] == {"team": "platform"}
    assert synthesized["automountServiceAccountToken"] is False


def test_everything_added_to_an_environment_chart_is_output(app):
    chart = EnvironmentChart(app, PRODUCTION)
    prod = PRODUCTION.prefix
    cdk8s.ApiObject(chart, "extra", api_version="v1", kind="ConfigMap", metadata={"name": f"{prod}-gorax-extra"})
    kplus.ConfigMap(chart, "plus", metadata=cdk8s.ApiObjectMetadata(name=f"{prod}-gorax-plus"), data={"a": "b"})
    objects = {key(o): o for o in chart.to_json()}
    for name in (f"{prod}-gorax-extra", f"{prod}-gorax-plus"):
        extra = objects["ConfigMap", name]
        assert extra["metadata"]["namespace"] == PRODUCTION.namespace, "the chart's namespace"
        assert extra["metadata"]["labels"]["environment"] == PRODUCTION.name, "the chart's labels"
        assert extra["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"] == "-2", "the kind's sync wave"
    assert [key(o) for o in Cdk8sTesting.synth(chart)] == list(objects)


def test_two_objects_of_one_kind_and_name_name_both_construct_paths(app):
    chart = EnvironmentChart(app, PRODUCTION)
    name = f"{PRODUCTION.prefix}-gorax"
    cdk8s.ApiObject(chart, "again", api_version="v1", kind="ServiceAccount", metadata={"name": name})
    env = PRODUCTION.name
    with pytest.raises(DuplicateObject, match=f"one from {env}/platform, one from {env}/again"):
        chart.to_json()


@jsii.implements(IValidation)
class Refuse:
    def validate(self) -> list[str]:
        return ["refused by a test validation"]


def test_validations_on_a_part_fail_the_synth(tmp_path):
    def refuse(chart: EnvironmentChart) -> None:
        chart.worker.node.add_validation(Refuse())

    env = PRODUCTION.name
    with pytest.raises(InvalidOutput, match=f"{env}: {env}/worker: refused by a test validation"):
        synth_catalog(Catalog(permanent=ENVIRONMENTS, previews=()), tmp_path, extensions={env: (refuse,)})


def test_an_environment_chart_takes_an_id_like_any_cdk8s_chart(app):
    """``EnvironmentChart(scope, id, env)`` for an app of one's own; ``(scope, env)`` names it after the env."""
    named = EnvironmentChart(app, "gorax-staging-eu", fixture.STAGING)
    default = EnvironmentChart(cdk8s.App(), fixture.STAGING)
    assert (named.node.id, default.node.id) == ("gorax-staging-eu", fixture.STAGING.name)
    assert Cdk8sTesting.synth(named) == Cdk8sTesting.synth(default)
    with pytest.raises(TypeError, match="needs an EnvironmentConfig"):
        EnvironmentChart(app, "no-env")
    with pytest.raises(TypeError, match="not both"):
        EnvironmentChart(app, fixture.STAGING, fixture.STAGING)
