"""Each environment in apply order: a chart's objects come as Argo CD applies them (hook phase, sync wave,
kind), each Namespace first, so ``cdk8s synth --stdout | kubectl apply -f -`` works on a fresh cluster: the
export is one file (the CLI pipes every file of its folder at once, interleaving them), each environment's
objects together and in that order."""

from __future__ import annotations

from typing import Any

import cdk8s
import pytest
import yaml

from gorax_constructs.configuration.model import EnvironmentConfig
from gorax_constructs.configuration.syncwaves import apply_key
from gorax_constructs.parts.chart import EnvironmentChart
from gorax_constructs.pipeline.catalog import load_catalog
from gorax_constructs.pipeline.synth import EXPORT_FILE, synth_catalog
from gorax_constructs.pipeline.validation import YAML_LOADER

from .end_to_end import CDK8S_CLI, NODE, copy_project, start
from .fixture_catalog import CATALOG as FIXTURE
from .fixture_catalog import OPTION_ENVIRONMENTS

KNOWN: tuple[EnvironmentConfig, ...] = (
    *(env for catalog in (load_catalog(), FIXTURE) for env in (*catalog.permanent, *catalog.previews)),
    *OPTION_ENVIRONMENTS,
)


def environments_in(stream: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """The stream cut where the namespace changes (a Namespace counts as in itself)."""
    runs: list[tuple[str, list[dict[str, Any]]]] = []
    for document in stream:
        metadata = document["metadata"]
        namespace = metadata["name"] if document["kind"] == "Namespace" else metadata.get("namespace")
        if not runs or runs[-1][0] != namespace:
            runs.append((namespace, []))
        runs[-1][1].append(document)
    return runs


def assert_in_apply_order(stream: list[dict[str, Any]]) -> None:
    runs = environments_in(stream)
    namespaces = [namespace for namespace, _ in runs]
    assert len(namespaces) == len(set(namespaces)), f"an environment's objects are apart: {namespaces}"
    namespaced = [documents for _, documents in runs if any(d["kind"] == "Namespace" for d in documents)]
    assert namespaced, "no Namespace in the stream"
    for documents in namespaced:
        assert documents[0]["kind"] == "Namespace", documents[0]["metadata"]
        keys = [apply_key(d) for d in documents]
        assert keys == sorted(keys)


@pytest.mark.parametrize("env", KNOWN, ids=lambda env: env.name)
def test_an_environment_chart_lists_its_objects_in_apply_order(env):
    objects = EnvironmentChart(cdk8s.App(), env).to_json()
    assert objects[0]["kind"] == "Namespace"
    assert_in_apply_order(objects)


def test_the_export_is_one_file_of_every_folder_in_apply_order(tmp_path):
    outputs = synth_catalog(FIXTURE, tmp_path, export=True)
    assert [p.name for p in tmp_path.iterdir()] == [EXPORT_FILE]
    stream = [d for d in yaml.load_all((tmp_path / EXPORT_FILE).read_text(), Loader=YAML_LOADER) if d]
    assert stream == [body for output in outputs for body in output.objects]
    assert_in_apply_order(stream)


@pytest.mark.scenario
def test_cdk8s_synth_stdout_streams_each_environment_in_apply_order(end_to_end, tmp_path):
    """The npm CLI itself (the run tests/test_end_to_end.py starts, or one of its own)."""
    run = end_to_end.get("cdk8s-stdout") or start(
        copy_project(tmp_path / "project"),
        [str(NODE), str(CDK8S_CLI), "synth", "--stdout"],
        CDK8S_CHECK_UPGRADE="false",
    )
    code, stdout, stderr = run.result()
    assert code == 0, stderr
    assert_in_apply_order([d for d in yaml.load_all(stdout, Loader=YAML_LOADER) if d])
