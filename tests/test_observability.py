"""Monitors scrape what they mean to, alerts are scoped and complete, the dashboard loads."""

import json
import re
from dataclasses import replace

import pytest
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.dashboard import Dashboard as GrafanaDashboard

from gorax_constructs.configuration.contract import Metrics, resolved_application_metrics, served_metrics
from gorax_constructs.configuration.naming import Naming
from gorax_constructs.environments import ENVIRONMENTS
from gorax_constructs.parts.alerts import ALERTS, RUNBOOK_BASE_URL, alerts_in, preview_rule_groups, rule_groups
from gorax_constructs.parts.dashboard import dashboard, preview_dashboard

from . import fixture_catalog as fixture
from .conftest import synthesize_environments
from .k8s_objects import containers, pod_templates

HIGHEST = {"production": "critical", "staging": "warning", "development": "info", "preview": "info"}
ORDER = ["info", "warning", "critical"]


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
    naming = Naming.of(environment.env)
    expected = dict(environment.env.monitoring.prometheus_labels)
    served = resolved_application_metrics(environment.env)
    objects = [("ServiceMonitor", naming.name("api"))] if served.api else []
    objects += [("PodMonitor", naming.name("worker"))] if served.worker else []
    assert [o for o in environment.of_kind("PodMonitor")] == [] or served.worker  # the released worker serves none
    if not environment.env.preview:
        objects.append(("PrometheusRule", naming.name("alerts")))
    for kind, name in objects:
        labels = environment.get(kind, name)["metadata"]["labels"]
        assert expected.items() <= labels.items()
    api_metrics = served_metrics(environment.env, "api")
    if api_metrics:
        endpoint = environment.get("ServiceMonitor", naming.name("api"))["spec"]["endpoints"][0]
        assert (endpoint["port"], endpoint["path"]) == ("http", api_metrics.path)
        assert endpoint["interval"] == environment.env.monitoring.scrape_interval


def test_every_scraped_series_carries_the_tier(environment):
    """The shared preview rules and dashboard select previews by this target label."""
    tier = "preview" if environment.env.preview else environment.env.tier
    service = [e for m in environment.of_kind("ServiceMonitor") for e in m["spec"]["endpoints"]]
    pods = [e for m in environment.of_kind("PodMonitor") for e in m["spec"]["podMetricsEndpoints"]]
    served = resolved_application_metrics(environment.env)
    assert len(service + pods) == served.api + served.worker
    for endpoint in service + pods:
        assert {"action": "replace", "targetLabel": "tier", "replacement": tier} in endpoint["relabelings"]


def test_previews_carry_no_rules_or_dashboard_of_their_own(fixture_synthesized):
    for preview in fixture.PREVIEWS:
        kinds = {(o["kind"], o["metadata"]["name"]) for o in fixture_synthesized[preview.name].objects}
        assert not [k for k in kinds if k[0] == "PrometheusRule" or "dashboard" in k[1]]
    development = fixture_synthesized[fixture.DEV.name]
    naming = Naming.of(fixture.DEV)
    shared_rules = development.get("PrometheusRule", naming.name("previews-alerts"))
    assert shared_rules["spec"]["groups"] == preview_rule_groups(fixture.DEV)
    shared_dashboard = development.get("ConfigMap", naming.name("previews-dashboard"))
    assert shared_dashboard["metadata"]["labels"]["grafana_dashboard"] == "1"
    for other in (fixture.STAGING, fixture.PRODUCTION):
        assert [o for o in fixture_synthesized[other.name].objects if "previews" in o["metadata"]["name"]] == []


def test_monitors_select_their_targets_and_ports(environment):
    objects = environment.objects
    assert any(o["kind"] == "Service" for o in objects) and list(pod_templates(objects))
    assert monitor_problems(objects) == []


def _fixture_objects(naming, *, service_port="http", pod_port="health", pod_labels=None):
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


def test_monitor_check_accepts_the_contracted_workloads(fixture_synthesized):
    output = fixture_synthesized[fixture.PRODUCTION.name]
    naming = Naming.of(output.env)
    monitors = output.of_kind("ServiceMonitor") + output.of_kind("PodMonitor")
    assert monitor_problems(monitors + _fixture_objects(naming)) == []


def test_monitor_check_catches_wrong_ports_and_labels(tmp_path):
    # A build whose contract serves worker metrics on the health port, so a PodMonitor exists.
    production = fixture.PRODUCTION
    contract = replace(production.contract, worker=replace(production.contract.worker, metrics=Metrics(port=8081)))
    output = synthesize_environments((replace(production, contract=contract),), tmp_path)[production.name]
    naming = Naming.of(output.env)
    monitors = output.of_kind("ServiceMonitor") + output.of_kind("PodMonitor")
    wrong_ports = _fixture_objects(naming, service_port="web", pod_port="metrics")
    assert len(monitor_problems(monitors + wrong_ports)) == len(monitors) == 2
    unlabelled = _fixture_objects(naming, pod_labels={"app": "gorax"})
    expected = [f"PodMonitor/{m['metadata']['name']}: selects nothing" for m in output.of_kind("PodMonitor")]
    assert monitor_problems(monitors + unlabelled) == expected


EVERY_PERMANENT = (*ENVIRONMENTS, *fixture.PERMANENT)
RULE_SETS = [
    (env.name, env.tier, rule_groups(env), f'namespace="{env.namespace}"|httproute/{env.namespace}/')
    for env in EVERY_PERMANENT
]
RULE_SETS += [
    (f"previews-of-{env.name}", "preview", preview_rule_groups(env), r'tier="preview"|namespace=~"gorax-pr-\.\+"')
    for env in EVERY_PERMANENT
    if env.monitoring.preview_monitoring
]


@pytest.mark.parametrize("name,tier,groups,scoped", RULE_SETS, ids=[r[0] for r in RULE_SETS])
def test_alerts_are_scoped_and_capped_by_tier(name, tier, groups, scoped):
    rules = [rule for group in groups for rule in group["rules"]]
    env = next(e for e in EVERY_PERMANENT if e.name == name.removeprefix("previews-of-"))
    assert [r["alert"] for r in rules] == [alert.name for alert, _ in alerts_in(env, tier)]
    catalogue = {alert.name: alert.severity for alert in ALERTS}
    for rule in rules:
        expr = rule["expr"]
        selectors = re.findall(r"\{[^}]*\}", expr)
        unscoped = [selector for selector in selectors if not re.search(scoped, selector)]
        assert selectors and unscoped == [], f"{rule['alert']}: unscoped {unscoped}"
        bare = re.findall(r"\b(gorax_\w+|up|kube_\w+|container_\w+|nginx_\w+|envoy_\w+)\b(?!\{)", expr)
        assert bare == [], f"{rule['alert']}: unscoped {bare}"
        labels = rule["labels"]
        assert labels["tier"] == tier
        assert ORDER.index(labels["severity"]) == min(ORDER.index(catalogue[rule["alert"]]), ORDER.index(HIGHEST[tier]))
        if tier == "preview":  # each preview alerts on its own: every expression keeps the namespace
            aggregates = re.search(r"\b(sum|max|min|count|group) (by|\()", expr)
            assert "namespace" not in labels and ("by (namespace" in expr or not aggregates), rule["alert"]
        else:
            assert labels["namespace"] == env.namespace and labels["environment"] == env.name
        annotations = rule["annotations"]
        assert annotations["summary"] and annotations["description"]
        assert annotations["runbook_url"] == f"{RUNBOOK_BASE_URL}#{rule['alert'].lower()}"


@pytest.mark.parametrize("name,tier,groups,scoped", RULE_SETS, ids=[r[0] for r in RULE_SETS])
def test_every_ratio_alert_needs_traffic(name, tier, groups, scoped):
    ratios = [r for g in groups for r in g["rules"] if re.search(r"_requests|rq_xx|executions_total", r["expr"])]
    assert ratios
    for rule in ratios:
        if " / " in rule["expr"] or "histogram_quantile" in rule["expr"]:
            assert re.search(r"\nand on \(namespace\)\nsum by \(namespace\) .*\) >= [0-9.]+", rule["expr"]), rule


def test_alert_catalogue_for_the_runbook():
    assert len({a.name for a in ALERTS}) == len(ALERTS)
    assert all(a.summary and a.severity for a in ALERTS)


def test_dashboard_config_map_loads(environment):
    env = environment.env
    naming = Naming.of(env)
    if env.preview:  # previews share development's (test_the_preview_dashboard_serves_every_preview)
        assert [o for o in environment.of_kind("ConfigMap") if o["metadata"]["name"] == naming.name("dashboard")] == []
        return
    config_map = environment.get("ConfigMap", naming.name("dashboard"))
    assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
    (text,) = config_map["data"].values()
    model = json.loads(text)
    assert model["uid"] == f"gorax-{env.name}"
    assert_panels(model, f'namespace="{env.namespace}"')
    assert model == dashboard(env)


def assert_panels(model, scoped):
    # Read back through the SDK's model of Grafana's dashboard schema: a field it does not know is dropped.
    assert json.loads(json.dumps(GrafanaDashboard.from_json(model), cls=JSONEncoder)) == model
    ids = [p["id"] for p in model["panels"]]
    assert len(ids) == len(set(ids)) >= 7
    positions = {(p["gridPos"]["x"], p["gridPos"]["y"]) for p in model["panels"]}
    assert len(positions) == len(ids), "panels overlap"
    for panel in model["panels"]:
        assert panel["type"] == "timeseries" and panel["datasource"]["uid"] == "${datasource}"
        for target in panel["targets"]:
            expr = target["expr"]
            assert scoped in expr or expr.startswith("vector("), (panel["title"], expr)
            assert expr.count("{") == expr.count(scoped) + expr.count(scoped.replace('namespace="', "httproute/")), (
                panel["title"],
                expr,
            )


def test_the_preview_dashboard_serves_every_preview(fixture_synthesized):
    config_map = fixture_synthesized[fixture.DEV.name].get(
        "ConfigMap", Naming.of(fixture.DEV).name("previews-dashboard")
    )
    model = json.loads(config_map["data"]["gorax-previews.json"])
    assert model == preview_dashboard(fixture.DEV)
    assert model["uid"] == "gorax-previews"
    variables = {v["name"]: v for v in model["templating"]["list"]}
    assert variables["namespace"]["query"] == (
        'label_values(kube_resourcequota{namespace=~"gorax-pr-.+",resourcequota=~".+-gorax-quota"}, namespace)'
    )
    assert_panels(model, 'namespace="$namespace"')
