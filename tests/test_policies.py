"""Properties every environment's output must have: one test per defect we refuse to ship."""

import json

import pytest

from gorax_constructs.configuration.naming import Naming
from gorax_constructs.pipeline import policies

from .conftest import own_objects
from .fixture_catalog import PRODUCTION

STABLE_LABELS = (
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/part-of",
    "app.kubernetes.io/managed-by",
    "environment",
    "app",
)


def test_no_construct_path_labels_or_hash_names(environment):
    """A selector derived from the construct path (cdk8s-plus's ``cdk8s.io/metadata.addr``) changes with a
    refactor, and a Deployment's selector is immutable: the project's parts never use one."""
    for obj in own_objects(environment):
        assert "cdk8s.io/metadata.addr" not in json.dumps(obj), f"{obj['kind']}/{obj['metadata']['name']}"
    names = [o["metadata"]["name"] for o in environment.objects]
    prefix = Naming.of(environment.env).instance
    for obj in environment.objects:
        if obj["kind"] != "Namespace":
            assert obj["metadata"]["name"].startswith(prefix), obj["metadata"]["name"]
    assert len(names) == len(set((o["kind"], o["metadata"]["name"]) for o in environment.objects))


def test_every_namespaced_object_is_in_the_environment_namespace(environment):
    for obj in environment.objects:
        if obj["kind"] not in ("Namespace",):
            assert obj["metadata"]["namespace"] == environment.env.namespace, obj["metadata"]["name"]


def test_every_object_carries_the_stable_labels(environment):
    for obj in environment.objects:
        labels = obj["metadata"].get("labels", {})
        missing = [k for k in STABLE_LABELS if k not in labels]
        assert missing == [], f"{obj['kind']}/{obj['metadata']['name']} lacks {missing}"
        assert labels["environment"] == environment.env.name


def test_namespace_enforces_pod_security_restricted(environment):
    namespace = environment.get("Namespace", environment.env.namespace)
    labels = namespace["metadata"]["labels"]
    for mode in ("enforce", "audit", "warn"):
        assert labels[f"pod-security.kubernetes.io/{mode}"] == "restricted"


def test_service_accounts_do_not_mount_api_tokens(environment):
    accounts = environment.of_kind("ServiceAccount")
    assert accounts
    assert all(sa["automountServiceAccountToken"] is False for sa in accounts)


def test_config_map_has_the_guide_name_and_settings(environment):
    config = environment.get("ConfigMap", Naming.of(environment.env).name("config"))
    assert config["metadata"]["name"] == f"{environment.env.prefix}-gorax-config"
    assert config["data"]["log-level"] == environment.env.log_level
    assert config["data"]["cors-allowed-origins"] == ",".join(environment.env.cors.allowed_origins)


def test_no_secret_data_in_output(environment):
    for obj in environment.objects:
        if obj["kind"] == "Secret":
            assert not obj.get("data") and not obj.get("stringData"), obj["metadata"]["name"]
    assert "REPLACE_WITH_ACTUAL_VALUE" not in json.dumps(environment.objects)


def _deployment(pod_spec: dict, labels: dict | None = None) -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "x", "namespace": PRODUCTION.namespace},
        "spec": {"template": {"metadata": {"labels": labels or {"c": "x"}}, "spec": pod_spec}},
    }


RESTRICTED_CONTAINER = {
    "name": "c",
    "securityContext": {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "runAsNonRoot": True,
        "seccompProfile": {"type": "RuntimeDefault"},
    },
    "resources": {"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "1Gi"}},
}
POLICY = {
    "kind": "NetworkPolicy",
    "metadata": {"name": "p", "namespace": PRODUCTION.namespace},
    "spec": {"podSelector": {"matchLabels": {"c": "x"}}},
}


@pytest.mark.parametrize(
    ("pod_spec", "expected"),
    [
        ({"containers": [RESTRICTED_CONTAINER]}, []),
        ({"hostNetwork": True, "containers": [RESTRICTED_CONTAINER]}, ["set spec.hostNetwork: false"]),
        (
            {"volumes": [{"name": "h", "hostPath": {"path": "/"}}], "containers": [RESTRICTED_CONTAINER]},
            ["volume h: use one of"],
        ),
        ({"containers": [{**RESTRICTED_CONTAINER, "securityContext": {}}]}, ["allowPrivilegeEscalation: false"]),
        ({"containers": [{**RESTRICTED_CONTAINER, "resources": {}}]}, ["set resources.requests.cpu and memory"]),
        (
            {"containers": [{**RESTRICTED_CONTAINER, "ports": [{"containerPort": 80, "hostPort": 80}]}]},
            ["remove hostPort"],
        ),
    ],
)
def test_pod_policies_name_what_to_set(pod_spec, expected):
    found = policies.problems(
        PRODUCTION, [_deployment(pod_spec), POLICY | {"metadata": {"name": "p", "namespace": PRODUCTION.namespace}}]
    )
    for text in expected:
        assert any(text in p and p.startswith("Deployment/x: ") for p in found), (text, found)
    if not expected:
        assert found == []


def test_pods_selected_only_by_namespace_wide_policies_are_refused():
    wide = {
        "kind": "NetworkPolicy",
        "metadata": {"name": "deny", "namespace": PRODUCTION.namespace},
        "spec": {"podSelector": {}},
    }
    found = policies.problems(PRODUCTION, [_deployment({"containers": [RESTRICTED_CONTAINER]}), wide])
    assert found == [
        "Deployment/x: its pods are selected by no NetworkPolicy but the namespace-wide ones (default deny, DNS): "
        "add a NetworkPolicy selecting their labels that allows what they need"
    ]


def test_objects_outside_the_environment_namespace_are_refused():
    stray = {"kind": "ConfigMap", "metadata": {"name": "c", "namespace": "default"}}
    assert policies.problems(PRODUCTION, [stray]) == [
        f"ConfigMap/c: namespace 'default', but every object of the environment is in '{PRODUCTION.namespace}'"
    ]
