"""Monitors scrape what they mean to, alerts are scoped and complete, the dashboard loads."""

import json
import re

import pytest

from gorax_constructs.configuration.naming import Naming
from gorax_constructs.environments import ENVIRONMENTS
from gorax_constructs.parts.alerts import ALERTS, RUNBOOK_BASE_URL, rule_groups
from gorax_constructs.parts.dashboard import dashboard

from .k8s_objects import containers, pod_templates

UPSTREAM_ALERTS = {
    "HighWorkflowFailureRate",
    "CriticalWorkflowFailureRate",
    "SlowWorkflowExecutions",
    "WorkflowExecutionStalled",
    "QueueBacklog",
    "QueueBacklogCritical",
    "NoActiveWorkers",
    "LowWorkerCount",
    "HighHTTPErrorRate",
    "HighHTTPLatency",
    "HighHTTPRequestRate",
    "DatabaseConnectionFailure",
    "HighMemoryUsage",
    "HighStepFailureRate",
    "HTTPActionFailures",
}


def matches(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def monitor_problems(objects):
    """What is wrong with every ServiceMonitor/PodMonitor against the objects it should scrape."""
    problems = []
    services = [o for o in objects if o["kind"] == "Service"]
    templates = list(pod_templates(objects))
    for monitor in objects:
        kind, name = monitor["kind"], monitor["metadata"]["name"]
        if kind == "ServiceMonitor":
            selector = monitor["spec"]["selector"]["matchLabels"]
            ports_by_target = {
                s["metadata"]["name"]: {p.get("name") for p in s["spec"].get("ports", [])}
                for s in services
                if matches(selector, s["metadata"].get("labels", {}))
            }
            wanted = [e["port"] for e in monitor["spec"]["endpoints"]]
        elif kind == "PodMonitor":
            selector = monitor["spec"]["selector"]["matchLabels"]
            ports_by_target = {
                owner["metadata"]["name"]: {p.get("name") for c in containers(t) for p in c.get("ports", [])}
                for owner, t in templates
                if matches(selector, t["metadata"].get("labels", {}))
            }
            wanted = [e["port"] for e in monitor["spec"]["podMetricsEndpoints"]]
        else:
            continue
        if not ports_by_target:
            problems.append(f"{kind}/{name}: selects nothing")
        for target, ports in ports_by_target.items():
            problems += [f"{kind}/{name}: {target} has no port {port!r}" for port in wanted if port not in ports]
    return problems


def test_monitors_exist_and_carry_the_prometheus_selector_label(environment):
    naming = Naming(environment.env)
    expected = dict(environment.env.monitoring.prometheus_labels)
    for kind, name in (
        ("ServiceMonitor", naming.name("api")),
        ("PodMonitor", naming.name("worker")),
        ("PrometheusRule", naming.name("alerts")),
    ):
        labels = environment.get(kind, name)["metadata"]["labels"]
        assert expected.items() <= labels.items()
    endpoint = environment.get("ServiceMonitor", naming.name("api"))["spec"]["endpoints"][0]
    assert (endpoint["port"], endpoint["path"]) == ("http", "/metrics")
    assert endpoint["interval"] == environment.env.monitoring.scrape_interval


def test_monitors_select_their_targets_and_ports(environment):
    objects = environment.objects
    if not any(o["kind"] == "Service" for o in objects) and not list(pod_templates(objects)):
        pytest.skip(f"{environment.env.name}: no Service or pod template in the output yet (workloads not merged)")
    assert monitor_problems(objects) == []


def _fixture_objects(naming, *, service_port="http", pod_port="metrics", pod_labels=None):
    return [
        {
            "kind": "Service",
            "metadata": {"name": naming.name("api"), "labels": naming.component_labels("api")},
            "spec": {"ports": [{"name": service_port, "port": 80, "targetPort": 8080}]},
        },
        {
            "kind": "Deployment",
            "metadata": {"name": naming.name("worker")},
            "spec": {
                "template": {
                    "metadata": {"labels": pod_labels or naming.component_labels("worker")},
                    "spec": {"containers": [{"name": "worker", "ports": [{"name": pod_port, "containerPort": 8081}]}]},
                }
            },
        },
    ]


def test_monitor_check_accepts_the_contracted_workloads(synthesized):
    output = synthesized["production"]
    naming = Naming(output.env)
    monitors = output.of_kind("ServiceMonitor") + output.of_kind("PodMonitor")
    assert monitor_problems(monitors + _fixture_objects(naming)) == []


def test_monitor_check_catches_wrong_ports_and_labels(synthesized):
    output = synthesized["production"]
    naming = Naming(output.env)
    monitors = output.of_kind("ServiceMonitor") + output.of_kind("PodMonitor")
    wrong_ports = _fixture_objects(naming, service_port="web", pod_port="health")
    assert len(monitor_problems(monitors + wrong_ports)) == 2
    unlabelled = _fixture_objects(naming, pod_labels={"app": "gorax"})
    assert monitor_problems(monitors + unlabelled) == ["PodMonitor/prod-gorax-worker: selects nothing"]


@pytest.mark.parametrize("env", ENVIRONMENTS, ids=lambda e: e.name)
def test_alerts_keep_upstream_names_and_are_scoped_to_the_namespace(env):
    rules = [rule for group in rule_groups(env) for rule in group["rules"]]
    assert {rule["alert"] for rule in rules} == UPSTREAM_ALERTS
    assert {g["name"] for g in rule_groups(env)} >= {"gorax_workflows", "gorax_queue", "gorax_workers", "gorax_api"}
    scoped = f'namespace="{env.namespace}"'
    for rule in rules:
        expr = rule["expr"]
        assert expr.count("{") == expr.count(scoped) > 0, rule["alert"]
        bare = re.findall(r"\b(gorax_\w+|up|process_\w+)\b(?!\{)", expr)
        assert bare == [], f"{rule['alert']}: unscoped {bare}"
        assert rule["labels"]["severity"] in ("critical", "warning", "info")
        assert rule["labels"]["namespace"] == env.namespace
        annotations = rule["annotations"]
        assert annotations["summary"] and annotations["description"]
        assert annotations["runbook_url"] == f"{RUNBOOK_BASE_URL}#{rule['alert'].lower()}"


@pytest.mark.parametrize("env", ENVIRONMENTS, ids=lambda e: e.name)
def test_low_worker_count_follows_min_replicas(env):
    rule = next(r for g in rule_groups(env) for r in g["rules"] if r["alert"] == "LowWorkerCount")
    assert rule["expr"].endswith(f"< {env.worker.autoscaling.min_replicas}")


def test_alert_catalogue_for_the_runbook():
    assert {a.name for a in ALERTS} == UPSTREAM_ALERTS
    assert len({a.name for a in ALERTS}) == len(ALERTS)
    assert all(a.summary and a.severity for a in ALERTS)


def test_dashboard_config_map_loads(environment):
    naming = Naming(environment.env)
    config_map = environment.get("ConfigMap", naming.name("dashboard"))
    assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
    (text,) = config_map["data"].values()
    model = json.loads(text)
    assert model["uid"] == f"gorax-{environment.env.name}"
    ids = [p["id"] for p in model["panels"]]
    assert len(ids) == len(set(ids)) == 10
    scoped = f'namespace="{environment.env.namespace}"'
    for panel in model["panels"]:
        for target in panel["targets"]:
            expr = target["expr"]
            assert scoped in expr or expr.startswith("vector("), (panel["title"], expr)
            assert expr.count("{") == expr.count(scoped), (panel["title"], expr)
    assert model == dashboard(environment.env)
