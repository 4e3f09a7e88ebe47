"""Each part is a construct with narrow, typed inputs: in a bare cdk8s Chart it needs only the settings
it uses and the handles of the parts it connects to, and what it connects to comes from those handles
(never recomputed from names). ``Naming`` names and labels, nothing more."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import pkgutil
from dataclasses import replace
from pathlib import Path

import cdk8s
import pytest
from cdk8s import Testing as Cdk8sTesting

import gorax_constructs.parts as parts_package
from gorax_constructs.configuration.contract import served_metrics
from gorax_constructs.configuration.naming import API, WORKER, Naming
from gorax_constructs.configuration.secrets import ExternalSecrets
from gorax_constructs.configuration.syncwaves import SYNC_OPTIONS, SYNC_WAVE
from gorax_constructs.parts import (
    ApiService,
    AppConfig,
    Edge,
    MigrationJob,
    NamespaceQuota,
    NetworkPolicies,
    Observability,
    Platform,
    Secrets,
    WorkerPool,
)
from gorax_constructs.parts.appconfig import Setting
from gorax_constructs.parts.manifest import ChartPart
from gorax_constructs.parts.observability import Signals

from . import fixture_catalog as fixture

PARTS_DIR = Path(parts_package.__file__).parent
# A naming that is no environment's: handles built with it name objects no part could recompute.
ELSEWHERE = Naming(prefix="elsewhere", environment="elsewhere", namespace="gorax-elsewhere")
NAMING = Naming(prefix="unit", environment="unit", namespace="gorax-unit", extra_labels=(("team", "unit"),))


@pytest.fixture
def bare(tmp_path):
    return cdk8s.Chart(cdk8s.App(outdir=str(tmp_path)), "bare")


def by_kind(chart: cdk8s.Chart) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for body in Cdk8sTesting.synth(chart):
        out.setdefault(body["kind"], []).append(body)
    return out


def workloads(scope, naming: Naming, env=fixture.STAGING) -> tuple[ApiService, WorkerPool, MigrationJob]:
    """The API, workers and migration of ``env`` under ``naming``, each with its own slice of ``env``."""
    config = AppConfig(scope, f"config-{naming.prefix}", naming=naming, settings=())
    secrets = Secrets(scope, f"secrets-{naming.prefix}", naming=naming, source=env.secrets, keys=env.secret_keys)
    shared = {
        "naming": naming,
        "tier": env.tier,
        "app_config": config,
        "secrets": secrets.refs,
        "service_account_name": "runner",
    }
    api = ApiService(
        scope,
        f"api-{naming.prefix}",
        config=env.api,
        process=env.contract.api,
        metrics=served_metrics(env, API.name),
        **shared,
    )
    worker = WorkerPool(
        scope,
        f"worker-{naming.prefix}",
        config=env.worker,
        process=env.contract.worker,
        metrics=served_metrics(env, WORKER.name),
        queue=env.queue,
        **shared,
    )
    migration = MigrationJob(
        scope,
        f"migration-{naming.prefix}",
        naming=naming,
        settings=env.migration,
        migrator=env.contract.migration,
        api=env.api,
        app_config=config,
        secrets=secrets.refs,
        service_account_name="runner",
    )
    return api, worker, migration


# Naming and the parts' signatures ---------------------------------------------------------------------------


def test_naming_holds_names_and_labels_only():
    fields = {f.name for f in dataclasses.fields(Naming)}
    assert fields == {"prefix", "environment", "namespace", "extra_labels"}
    naming = Naming.of(fixture.PRODUCTION)
    assert not hasattr(naming, "env")
    assert naming.labels()["environment"] == fixture.PRODUCTION.name
    assert naming.metadata("x")["namespace"] == fixture.PRODUCTION.namespace
    assert naming.name("api") == f"{fixture.PRODUCTION.prefix}-gorax-api"


def _part_classes() -> list[type]:
    classes = []
    for info in pkgutil.iter_modules([str(PARTS_DIR)]):
        module = importlib.import_module(f"{parts_package.__name__}.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and issubclass(cls, ChartPart):
                classes.append(cls)
    return classes


def test_every_part_is_checked():
    names = {cls.__name__ for cls in _part_classes()}
    assert {"Platform", "AppConfig", "Secrets", "ApiService", "WorkerPool", "MigrationJob", "Edge"} <= names
    assert {"NetworkPolicies", "Observability", "NamespaceQuota"} <= names


COMPOSERS = ("ArgoCdApplications",)
"""Parts that compose whole environments, as ``EnvironmentChart`` does (one Application per environment)."""


@pytest.mark.parametrize("cls", [c for c in _part_classes() if c.__name__ not in COMPOSERS], ids=lambda c: c.__name__)
def test_no_part_takes_or_reads_the_whole_environment(cls):
    """Only ``EnvironmentChart`` (parts/chart.py) takes an ``EnvironmentConfig`` and slices it."""
    source = Path(inspect.getfile(cls)).read_text()
    (node,) = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.ClassDef) and n.name == cls.__name__]
    called = {id(n.func) for n in ast.walk(node) if isinstance(n, ast.Call)}  # SecretRefs.env(...) is a method
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute) and id(sub) not in called:
            assert sub.attr != "env", f"{cls.__name__} reads .env (line {sub.lineno})"
        if isinstance(sub, ast.arg) and sub.annotation is not None:
            annotation = ast.unparse(sub.annotation)
            assert "EnvironmentConfig" not in annotation, f"{cls.__name__}: {sub.arg}: {annotation}"


def test_every_prop_is_documented_in_the_constructor_docstring():
    for cls in _part_classes():
        if "__init__" not in vars(cls):
            continue
        doc = inspect.getdoc(cls) or ""
        for name in inspect.signature(cls.__init__).parameters:
            if name in ("self", "scope", "id"):
                continue
            assert f"{name}:" in doc or f"{name}," in doc, f"{cls.__name__} does not document {name}"


# Each part in a bare Chart, with its slice and handles ---------------------------------------------------------


def test_platform(bare):
    platform = Platform(bare, "platform", naming=NAMING, preview=True, identity=fixture.AZURE.identity)
    objects = by_kind(bare)
    (namespace,) = objects["Namespace"]
    assert namespace["metadata"]["name"] == NAMING.namespace
    assert SYNC_OPTIONS not in namespace["metadata"]["annotations"]  # a preview's namespace goes with it
    (account,) = objects["ServiceAccount"]
    assert account["metadata"]["name"] == platform.service_account_name
    annotations = {k: v for k, v in account["metadata"]["annotations"].items() if k != SYNC_WAVE}
    assert annotations == fixture.AZURE.identity.annotations
    assert platform.pod_labels == fixture.AZURE.identity.pod_labels != {}


def test_platform_defaults(bare):
    platform = Platform(bare, "platform", naming=NAMING)
    objects = by_kind(bare)
    assert "Delete=false" in objects["Namespace"][0]["metadata"]["annotations"][SYNC_OPTIONS]
    assert set(objects["ServiceAccount"][0]["metadata"]["annotations"]) == {SYNC_WAVE}
    assert platform.pod_labels == {}


def test_app_config(bare):
    settings = (Setting("log-level", "LOG_LEVEL", "debug", (API.name,)), Setting("x", "X", "1", (WORKER.name,)))
    config = AppConfig(bare, "config", naming=NAMING, settings=settings)
    (config_map,) = by_kind(bare)["ConfigMap"]
    assert config_map["data"] == {"log-level": "debug", "x": "1"}
    assert [e["name"] for e in config.env_for(API.name)] == ["LOG_LEVEL"]


def test_secrets(bare):
    source = ExternalSecrets(store_name="store", remote_key_prefix="team/unit")
    secrets = Secrets(bare, "secrets", naming=NAMING, source=source, keys=("one", "two"))
    (external,) = by_kind(bare)["ExternalSecret"]
    assert [d["remoteRef"]["key"] for d in external["spec"]["data"]] == ["team/unit/one", "team/unit/two"]
    assert secrets.refs.keys == ("one", "two")


def test_api_and_workers_take_their_settings_and_the_platforms_handles(bare):
    env = fixture.AZURE
    config = AppConfig(bare, "config", naming=NAMING, settings=())
    secrets = Secrets(bare, "secrets", naming=NAMING, source=env.secrets, keys=env.secret_keys, identity=env.identity)
    common = {
        "naming": NAMING,
        "tier": "staging",
        "app_config": config,
        "secrets": secrets.refs,
        "service_account_name": "someone",
        "pod_labels": {"pods": "labelled"},
        "zone_spread": True,
    }
    api = ApiService(bare, "api", config=env.api, process=env.contract.api, **common)
    worker = WorkerPool(bare, "worker", config=env.worker, process=env.contract.worker, **common)
    deployments = {d["metadata"]["name"]: d for d in by_kind(bare)["Deployment"]}
    for part in (api, worker):
        pod = deployments[part.name]["spec"]["template"]
        assert pod["spec"]["serviceAccountName"] == "someone"
        assert pod["metadata"]["labels"]["pods"] == "labelled"
        assert pod["spec"]["topologySpreadConstraints"]
        assert part.metrics is None and part.metrics_port_name is None  # no metrics prop: none served
    (service,) = by_kind(bare)["Service"]
    assert (service["metadata"]["name"], service["spec"]["ports"][0]["port"]) == (api.service_name, api.service_port)


def test_migration(bare):
    env = fixture.STAGING
    secrets = Secrets(bare, "secrets", naming=NAMING, source=env.secrets, keys=env.secret_keys)
    config = AppConfig(bare, "config", naming=NAMING, settings=())
    MigrationJob(
        bare,
        "migration",
        naming=NAMING,
        settings=env.migration,
        migrator=env.contract.migration,
        api=env.api,
        app_config=config,
        secrets=secrets.refs,
        service_account_name="runner",
    )
    (job,) = by_kind(bare)["Job"]
    assert job["spec"]["backoffLimit"] == env.migration.backoff_limit
    assert (
        job["spec"]["template"]["spec"]["containers"][0]["image"]
        == env.contract.migration.image_for(env.api.image).reference
    )


@pytest.mark.parametrize("mode", ("ingress-nginx", "gateway-api"))
def test_edge_routes_to_the_api_it_is_given(bare, mode):
    env = replace(fixture.STAGING, edge=replace(fixture.STAGING.edge, mode=mode))
    api, _, _ = workloads(bare, ELSEWHERE, env)
    Edge(
        bare,
        "edge",
        naming=NAMING,
        config=env.edge,
        api_host="api.unit.test",
        webhooks_host="hooks.unit.test",
        cors=env.cors,
        api=api,
    )
    backends = []
    for obj in Cdk8sTesting.synth(bare):
        if obj["kind"] == "Ingress":
            backends += [p["backend"]["service"] for r in obj["spec"]["rules"] for p in r["http"]["paths"]]
        elif obj["kind"] == "HTTPRoute":
            backends += [b for r in obj["spec"]["rules"] for b in r.get("backendRefs", [])]
    assert backends
    for backend in backends:
        assert backend["name"] == api.service_name == "elsewhere-gorax-api"
        port = backend["port"]["number"] if isinstance(backend["port"], dict) else backend["port"]
        assert port == api.service_port


def test_network_policies_select_the_pods_they_are_given(bare):
    env = fixture.SQS  # Redis, an SQS endpoint, worker metrics, a workload identity
    api, worker, migration = workloads(bare, ELSEWHERE, env)
    NetworkPolicies(
        bare,
        "network",
        naming=NAMING,
        config=env.network,
        edge=env.edge,
        api=api,
        worker=worker,
        migration=migration,
        redis=env.redis,
        queue=env.queue,
    )
    policies = {p["metadata"]["name"]: p["spec"] for p in by_kind(bare)["NetworkPolicy"]}
    for part, name in ((api, "api"), (worker, "worker"), (migration, "migration")):
        assert policies[NAMING.name(name)]["podSelector"] == {"matchLabels": part.selector}
    worker_ports = [p["port"] for rule in policies[NAMING.name("worker")]["ingress"] for p in rule["ports"]]
    assert worker_ports == [worker.metrics_port_name]
    assert NAMING.name("workload-identity") not in policies  # identity defaults to none


def test_observability_scrapes_the_workloads_it_is_given(bare):
    env = fixture.AWS  # worker metrics on
    api, worker, _ = workloads(bare, ELSEWHERE, env)
    Observability(bare, "observability", naming=NAMING, monitoring=env.monitoring, tier="t", api=api, worker=worker)
    objects = by_kind(bare)
    (service_monitor,) = objects["ServiceMonitor"]
    (pod_monitor,) = objects["PodMonitor"]
    assert service_monitor["spec"]["selector"]["matchLabels"] == api.selector
    assert service_monitor["spec"]["endpoints"][0]["port"] == api.metrics_port_name
    assert pod_monitor["spec"]["selector"]["matchLabels"] == worker.selector
    assert pod_monitor["spec"]["podMetricsEndpoints"][0]["path"] == worker.metrics.path
    assert "PrometheusRule" not in objects  # signals default to none: monitors only


def test_observability_emits_the_signals_it_is_given(bare):
    env = fixture.DEV
    api, worker, _ = workloads(bare, ELSEWHERE, env)
    signals = Signals.of(env)
    assert signals is not None
    Observability(
        bare,
        "observability",
        naming=NAMING,
        monitoring=env.monitoring,
        tier="t",
        api=api,
        worker=worker,
        signals=signals,
    )
    rules = {r["metadata"]["name"]: r for r in by_kind(bare)["PrometheusRule"]}
    assert rules[NAMING.name("alerts")]["spec"]["groups"] == signals.rule_groups
    assert (NAMING.name("previews-alerts") in rules) == (signals.previews is not None)


def test_quota_counts_the_workloads_it_is_given_only(bare):
    api, worker, migration = workloads(bare, ELSEWHERE)
    NamespaceQuota(bare, "quota", naming=NAMING, workloads=(api,))
    alone = by_kind(bare)["ResourceQuota"][0]["spec"]["hard"]
    other = cdk8s.Chart(cdk8s.App(), "other")
    every = workloads(other, ELSEWHERE)
    NamespaceQuota(other, "quota", naming=NAMING, workloads=every)
    together = by_kind(other)["ResourceQuota"][0]["spec"]["hard"]
    assert int(alone["pods"]) < int(together["pods"])
    (hpa,) = [h for h in by_kind(bare)["HorizontalPodAutoscaler"] if h["spec"]["scaleTargetRef"]["name"] == api.name]
    surge = 1  # the API's rollout: maxSurge 1
    assert int(alone["pods"]) == 3 * hpa["spec"]["maxReplicas"] + surge


def test_workers_scaled_on_an_sqs_queue_need_the_queue(bare):
    env = fixture.SQS
    config = AppConfig(bare, "config", naming=NAMING, settings=())
    secrets = Secrets(bare, "secrets", naming=NAMING, source=env.secrets, keys=env.secret_keys)
    common = {"app_config": config, "secrets": secrets.refs, "service_account_name": "runner", "tier": env.tier}
    with pytest.raises(ValueError, match=r"unit-gorax-worker: queue_depth keda-aws-sqs .* pass queue="):
        WorkerPool(bare, "worker", naming=NAMING, config=env.worker, process=env.contract.worker, **common)
