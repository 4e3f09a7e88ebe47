"""cdk8s's promises, kept by an EnvironmentChart and the synth: every chart written or refused by name,
a user's sync wave kept, node.dependencies honoured within Argo CD's apply order, the tree's validations
run by Testing.synth, an output type that would drop objects refused, a part patched in any chart, and
no private API of jsii or cdk8s."""

from __future__ import annotations

import ast

import cdk8s
import jsii
import pytest
import yaml
from cdk8s import Testing as Cdk8sTesting
from constructs import Construct, IValidation

from gorax_constructs.configuration.syncwaves import SYNC_WAVE, SYNC_WAVES
from gorax_constructs.environments import ENVIRONMENTS
from gorax_constructs.parts.chart import EnvironmentChart
from gorax_constructs.parts.manifest import ChartPart, UnknownObject, UnsupportedOutput
from gorax_constructs.parts.ordering import OrderError
from gorax_constructs.pipeline.catalog import Catalog
from gorax_constructs.pipeline.synth import InvalidOutput, synth_catalog
from gorax_constructs.pipeline.validation import YAML_LOADER

from .api_object_path import ApiObjectEnvironmentChart
from .conftest import REPO

ENV = ENVIRONMENTS[0]
ONE = Catalog(permanent=(ENV,), previews=())


@pytest.fixture
def app(tmp_path):
    return cdk8s.App(outdir=str(tmp_path))


def config_map(scope: Construct, id: str, name: str, annotations: dict[str, str] | None = None) -> cdk8s.ApiObject:
    metadata = cdk8s.ApiObjectMetadata(name=name, annotations=annotations)
    return cdk8s.ApiObject(scope, id, api_version="v1", kind="ConfigMap", metadata=metadata)


def part_of(chart: EnvironmentChart, path: str) -> ChartPart:
    """The part (a child of the chart) that emitted the object at ``path``."""
    return chart.node.find_child(path.removeprefix(f"{chart.node.path}/").split("/")[0])


def probe_names(chart: EnvironmentChart) -> list[str]:
    return [o["metadata"]["name"] for o in chart.to_json() if o["metadata"]["name"].startswith("probe-")]


def test_a_chart_nested_in_an_environment_chart_is_refused_by_name(tmp_path):
    def nest(chart: EnvironmentChart) -> None:
        config_map(cdk8s.Chart(chart, "sub"), "nested", "probe-nested")

    with pytest.raises(InvalidOutput, match=rf"{ENV.name}: chart {ENV.name}/sub is nested in this chart"):
        synth_catalog(ONE, tmp_path, extensions={ENV.name: (nest,)})


def test_an_app_level_chart_an_environment_depends_on_is_refused_by_name(tmp_path):
    def sibling(chart: EnvironmentChart) -> None:
        other = cdk8s.Chart(chart.node.root, "other")
        config_map(other, "sibling", "probe-sibling")
        chart.add_dependency(other)

    with pytest.raises(InvalidOutput, match="other: a chart that no folder of dist/ holds"):
        synth_catalog(ONE, tmp_path, extensions={ENV.name: (sibling,)})


def test_a_user_sync_wave_is_kept_and_a_missing_one_filled_in(tmp_path):
    def waves(chart: EnvironmentChart) -> None:
        config_map(chart, "waved", "probe-waved", {SYNC_WAVE: "5"})
        config_map(chart, "plain", "probe-plain")

    synth_catalog(ONE, tmp_path, extensions={ENV.name: (waves,)})

    def wave(name: str) -> str:
        written = yaml.load((tmp_path / ENV.name / f"ConfigMap.{name}.k8s.yaml").read_text(), Loader=YAML_LOADER)
        return written["metadata"]["annotations"][SYNC_WAVE]

    assert wave("probe-waved") == "5"
    assert wave("probe-plain") == SYNC_WAVES["ConfigMap"]


def test_node_dependencies_order_objects_of_one_wave_and_kind(app):
    chart = EnvironmentChart(app, ENV)
    first = config_map(chart, "first", "probe-first")
    group = Construct(chart, "group")
    config_map(group, "second", "probe-second")
    assert probe_names(chart) == ["probe-first", "probe-second"], "construct order"
    first.node.add_dependency(group)  # a construct stands for every object under it
    assert probe_names(chart) == ["probe-second", "probe-first"]


def test_a_part_depending_on_an_object_comes_after_it(app):
    chart = EnvironmentChart(app, ENV)
    (body, path) = next((body, path) for body, path in chart.objects() if body["kind"] == "ConfigMap")
    part = part_of(chart, path)
    user = config_map(chart, "user", "probe-user")
    names = [o["metadata"]["name"] for o in chart.to_json() if o["kind"] == "ConfigMap"]
    assert names.index(body["metadata"]["name"]) < names.index("probe-user"), "construct order"
    part.node.add_dependency(user)
    names = [o["metadata"]["name"] for o in chart.to_json() if o["kind"] == "ConfigMap"]
    assert names.index("probe-user") < names.index(body["metadata"]["name"])


def test_a_sync_wave_argo_cd_cannot_read_is_refused(tmp_path):
    def five(chart: EnvironmentChart) -> None:
        config_map(chart, "five", "probe-five", {SYNC_WAVE: "five"})

    with pytest.raises(InvalidOutput, match=f"{ENV.name}: ConfigMap probe-five: {SYNC_WAVE} is 'five'; it must be"):
        synth_catalog(ONE, tmp_path, extensions={ENV.name: (five,)})


def test_a_dependency_the_waves_contradict_is_refused(app):
    chart = EnvironmentChart(app, ENV)
    early = config_map(chart, "early", "probe-early")
    late = cdk8s.ApiObject(chart, "late", api_version="v1", kind="Service", metadata={"name": "probe-late"})
    early.node.add_dependency(late)
    with pytest.raises(OrderError, match=r"ConfigMap probe-early \(.*\) depends on Service probe-late"):
        chart.to_json()


def test_a_cycle_of_dependencies_is_refused_by_path(tmp_path):
    def cycle(chart: EnvironmentChart) -> None:
        one, two = config_map(chart, "one", "probe-one"), config_map(chart, "two", "probe-two")
        one.node.add_dependency(two)
        two.node.add_dependency(one)

    with pytest.raises(InvalidOutput, match=rf"{ENV.name}: chart {ENV.name}: Dependency cycle detected"):
        synth_catalog(ONE, tmp_path, extensions={ENV.name: (cycle,)})


def test_an_output_type_that_would_write_none_of_the_parts_objects_is_refused(tmp_path):
    app = cdk8s.App(outdir=str(tmp_path), yaml_output_type=cdk8s.YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE)
    with pytest.raises(UnsupportedOutput, match=f"chart {ENV.name}: .*FOLDER_PER_CHART_FILE_PER_RESOURCE"):
        EnvironmentChart(app, ENV)


def test_file_per_resource_writes_every_object(tmp_path):
    app = cdk8s.App(outdir=str(tmp_path), yaml_output_type=cdk8s.YamlOutputType.FILE_PER_RESOURCE)
    chart = EnvironmentChart(app, ENV)
    config_map(chart, "extra", "probe-extra")
    expected = chart.to_json()
    app.synth()
    written = [yaml.load(p.read_text(), Loader=YAML_LOADER) for p in tmp_path.glob("*.k8s.yaml")]
    assert sorted(map(repr, written)) == sorted(map(repr, expected))


@jsii.implements(IValidation)
class Refuse:
    def validate(self) -> list[str]:
        return ["refused by a test validation"]


def test_testing_synth_runs_the_validations_of_the_tree(app):
    chart = EnvironmentChart(app, ENV)
    part = next(c for c in chart.node.children if isinstance(c, ChartPart))
    Cdk8sTesting.synth(chart)
    part.node.add_validation(Refuse())
    with pytest.raises(RuntimeError, match=rf"\[{part.node.path}\] refused by a test validation"):
        Cdk8sTesting.synth(chart)


@pytest.mark.parametrize("chart_type", [EnvironmentChart, ApiObjectEnvironmentChart])
def test_a_part_is_patched_in_any_chart(app, chart_type):
    chart = chart_type(app, ENV)
    (body, path) = next((body, path) for body, path in chart.objects() if body["kind"] == "Deployment")
    part = part_of(chart, path)
    if chart_type is EnvironmentChart:
        with pytest.raises(RuntimeError, match="cannot find a .* child of type ApiObject"):
            cdk8s.ApiObject.of(part)  # the README shows part.patch instead
    with pytest.raises(UnknownObject, match=f"{part.node.path}: patch for Namespace"):
        part.patch("Namespace", ENV.namespace, cdk8s.JsonPatch.add("/spec", {}))  # another part's object
    part.patch("Deployment", body["metadata"]["name"], cdk8s.JsonPatch.add("/spec/paused", True))
    (patched,) = [o for o in chart.to_json() if o["kind"] == "Deployment" and o["metadata"] == body["metadata"]]
    assert patched["spec"]["paused"] is True


def test_no_private_api_of_jsii_or_cdk8s():
    """An underscore name of these packages is theirs to change in any release."""
    packages = ("jsii", "cdk8s", "cdk8s_plus_27", "constructs")
    found = []
    for path in sorted((REPO / "gorax_constructs").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in packages:
                names = [*node.module.split(".")[1:], *(alias.name for alias in node.names)]
            elif isinstance(node, ast.Import):
                names = [n for a in node.names if a.name.split(".")[0] in packages for n in a.name.split(".")[1:]]
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in packages:
                names = [node.attr]
            else:
                continue
            found += [f"{path.relative_to(REPO)}:{node.lineno}" for name in names if name.startswith("_")]
    assert not found
