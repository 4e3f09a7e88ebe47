"""Properties every environment's output must have: one test per defect we refuse to ship."""

import json

from gorax_constructs.configuration.naming import Naming

STABLE_LABELS = (
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/part-of",
    "app.kubernetes.io/managed-by",
    "environment",
    "app",
)


def test_no_construct_path_labels_or_hash_names(environment):
    text = environment.text()
    assert "cdk8s.io/metadata.addr" not in text
    names = [o["metadata"]["name"] for o in environment.objects]
    prefix = Naming(environment.env).instance
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
    config = environment.get("ConfigMap", Naming(environment.env).name("config"))
    assert config["metadata"]["name"] == f"{environment.env.prefix}-gorax-config"
    assert config["data"]["log-level"] == environment.env.log_level
    assert config["data"]["cors-allowed-origins"] == ",".join(environment.env.cors.allowed_origins)


def test_no_secret_data_in_output(environment):
    for obj in environment.objects:
        if obj["kind"] == "Secret":
            assert not obj.get("data") and not obj.get("stringData"), obj["metadata"]["name"]
    assert "REPLACE_WITH_ACTUAL_VALUE" not in json.dumps(environment.objects)
