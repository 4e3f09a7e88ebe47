"""Tracing reaches the binaries as variables, and `$(POD_NAME)` in them expands."""

from dataclasses import replace

import pytest

from gorax_constructs.configuration.naming import API, WORKER, Naming
from gorax_constructs.environments import ENVIRONMENTS
from gorax_constructs.parts.telemetry import tracing_env

from .fixture_catalog import DEV as DEVELOPMENT
from .fixture_catalog import PERMANENT, PRODUCTION, STAGING
from .k8s_objects import containers, pod_templates, undefined_references

POD_ENV = [
    {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
    {"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
]


def as_dict(env_list):
    return {e["name"]: e["value"] for e in env_list}


@pytest.mark.parametrize("env,ratio", [(DEVELOPMENT, "1"), (STAGING, "0.5"), (PRODUCTION, "0.1")], ids=lambda x: x)
def test_sample_rates_follow_the_guide(env, ratio):
    for component in (API.name, WORKER.name):
        variables = as_dict(tracing_env(Naming.of(env), env.tracing, component))
        assert variables["TRACING_SAMPLE_RATE"] == ratio


@pytest.mark.parametrize("env", (*ENVIRONMENTS, *PERMANENT), ids=lambda e: e.name)
@pytest.mark.parametrize("component", [API.name, WORKER.name])
def test_standard_and_gorax_variables_agree(env, component):
    variables = as_dict(tracing_env(Naming.of(env), env.tracing, component))
    assert variables["TRACING_SERVICE_NAME"] == f"gorax-{component}"
    assert env.tracing.endpoint.endswith("://" + variables["TRACING_ENDPOINT"])
    assert variables["TRACING_ENDPOINT"].endswith(":4317")
    assert variables["TRACING_ENABLED"] == "true"
    attributes = dict(pair.split("=", 1) for pair in variables["OTEL_RESOURCE_ATTRIBUTES"].split(","))
    assert attributes == {
        "deployment.environment.name": env.name,
        "k8s.namespace.name": env.namespace,
        "k8s.pod.name": "$(POD_NAME)",
    }
    assert "14268" not in str(variables)


def test_disabled_tracing_turns_the_exporter_off():
    env = replace(STAGING, tracing=replace(STAGING.tracing, enabled=False))
    variables = as_dict(tracing_env(Naming.of(env), env.tracing, API.name))
    assert variables["TRACING_ENABLED"] == "false"


def test_undefined_references_finds_a_reference_before_its_definition():
    env_list = [{"name": "A", "value": "x=$(B)"}, {"name": "B", "value": "b"}, {"name": "C", "value": "$(B)/$(A)"}]
    assert undefined_references(env_list) == ["A: $(B)"]


def test_undefined_references_ignores_escapes_and_value_from():
    env_list = [{"name": "A", "value": "$$(B) literal"}, *POD_ENV, {"name": "C", "value": "$(POD_NAME)"}]
    assert undefined_references(env_list) == []


@pytest.mark.parametrize("env", (*ENVIRONMENTS, *PERMANENT), ids=lambda e: e.name)
def test_tracing_env_needs_pod_name_first(env):
    extra = tracing_env(Naming.of(env), env.tracing, API.name)
    assert undefined_references(extra) == ["OTEL_RESOURCE_ATTRIBUTES: $(POD_NAME)"]
    assert undefined_references([*POD_ENV, *extra]) == []


def test_every_synthesized_container_expands_its_references(environment):
    templates = list(pod_templates(environment.objects))
    assert templates
    all_containers = [c for _, template in templates for c in containers(template)]
    assert all_containers, "pod templates without containers"
    problems = [
        f"{owner['kind']}/{owner['metadata']['name']} {c['name']}: {p}"
        for owner, template in templates
        for c in containers(template)
        for p in undefined_references(c.get("env", []))
    ]
    assert problems == []
