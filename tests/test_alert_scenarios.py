"""promtool: per tier, with the label sets real exporters produce, outages page and quiet nights do not.

Series are labelled as the exporters and prometheus-operator label them:

* kube-state-metrics (kube-prometheus-stack scrapes it with ``honorLabels``: ``namespace`` is the object's);
* cAdvisor through the kubelet's ServiceMonitor (``job="kubelet"``, ``metrics_path="/metrics/cadvisor"``);
* ingress-nginx's controller (``internal/ingress/metric/collectors/socket.go``) scraped by the chart's
  ServiceMonitor without ``honorLabels``: ``namespace`` is the controller's, the Ingress's is
  ``exported_namespace``; Envoy Gateway's proxies (``envoy_cluster_name="httproute/<ns>/<route>/rule/0"``);
* our API ServiceMonitor (``up{namespace,service,pod,job,container,endpoint,instance,tier}``).

The Gorax binaries export no ``gorax_http_*``, ``gorax_active_workers`` nor ``gorax_queue_depth`` and the
worker no ``/metrics`` at all: an idle environment here has no application series, or zeros.
Each scenario runs for development, staging, production and the previews' shared rule set.
Skips without promtool (`.ci/run` installs it).
"""

from __future__ import annotations

import functools
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from gorax_constructs.configuration.edge import EdgeConfig
from gorax_constructs.configuration.model import EnvironmentConfig
from gorax_constructs.configuration.naming import Naming
from gorax_constructs.configuration.previews import Preview, preview_environment
from gorax_constructs.parts.alerts import ALERTS, preview_rule_groups, rule_groups

from . import memo
from .fixture_catalog import DEV as DEVELOPMENT
from .fixture_catalog import PRODUCTION, STAGING

PROMTOOL = shutil.which("promtool")
pytestmark = pytest.mark.skipif(PROMTOOL is None, reason="promtool not on PATH (apt-get install prometheus)")
HIGHEST = {"production": "critical", "staging": "warning", "development": "info", "preview": "info"}
SEVERITY = {a.name: a for a in ALERTS}
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
KSM = {
    "job": "kube-state-metrics",
    "service": "kube-prometheus-stack-kube-state-metrics",
    "endpoint": "http",
    "instance": "10.0.3.7:8080",
    "pod": "kube-prometheus-stack-kube-state-metrics-6d9f7b5c4-x2x9z",
    "container": "kube-state-metrics",
}
KUBELET = {
    "job": "kubelet",
    "service": "kube-prometheus-stack-kubelet",
    "endpoint": "https-metrics",
    "metrics_path": "/metrics/cadvisor",
    "node": "node-a",
    "instance": "10.0.1.4:10250",
}
NGINX = {
    "namespace": "ingress-nginx",
    "job": "ingress-nginx-controller-metrics",
    "service": "ingress-nginx-controller-metrics",
    "endpoint": "metrics",
    "pod": "ingress-nginx-controller-7c6b9-abcde",
    "instance": "10.0.2.9:10254",
    "controller_class": "k8s.io/ingress-nginx",
    "controller_namespace": "ingress-nginx",
    "controller_pod": "ingress-nginx-controller-7c6b9-abcde",
    "canary": "",
    "method": "POST",
    "path": "/",
}
ENVOY = {
    "namespace": "envoy-gateway-system",
    "job": "envoy-gateway-system/envoy-proxy",
    "pod": "envoy-default-eg-e41e7b31-5d8f-abcde",
    "container": "envoy",
    "instance": "10.0.2.11:19001",
}


@dataclass(frozen=True)
class Target:
    """A rule set and one environment it watches."""

    id: str
    env: EnvironmentConfig  # the watched environment (a preview's own for the previews)
    groups: list[dict[str, Any]]

    @property
    def tier(self) -> str:
        return self.env.alert_tier

    @functools.cached_property
    def rules_yaml(self) -> str:
        """The rule file promtool reads (written once per target: every scenario of it reads the same)."""
        return yaml.dump({"groups": self.groups}, Dumper=DUMPER, sort_keys=False)

    @property
    def naming(self) -> Naming:
        return Naming.of(self.env)


def preview(development: EnvironmentConfig = DEVELOPMENT, name: str = "pr-123") -> EnvironmentConfig:
    return preview_environment(Preview(name=name, owner="someone", expires="2030-01-01"), development)


def targets(transform=lambda env: env) -> list[Target]:
    permanent = [transform(env) for env in (DEVELOPMENT, STAGING, PRODUCTION)]
    result = [Target(env.name, env, rule_groups(env)) for env in permanent]
    development = permanent[0]
    result.append(Target("preview", preview(development), preview_rule_groups(development)))
    return result


def series(metric: str, **labels: str) -> str:
    return metric + "{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}"


class Cluster:
    """The series one environment's exporters produce, minute by minute (promtool's expanding notation)."""

    def __init__(self, target: Target) -> None:
        self.t = target
        self.ns = target.env.namespace
        self.items: list[dict[str, str]] = []

    def add(self, metric: str, values: str, **labels: str) -> Cluster:
        self.items.append({"series": series(metric, **labels), "values": values})
        return self

    def deployment(self, component: str, available: str, desired: str) -> Cluster:
        name = self.t.naming.name(component)
        self.add("kube_deployment_status_replicas_available", available, namespace=self.ns, deployment=name, **KSM)
        return self.add("kube_deployment_spec_replicas", desired, namespace=self.ns, deployment=name, **KSM)

    def restarts(self, component: str, pod: str, values: str) -> Cluster:
        labels = {**KSM, "namespace": self.ns, "pod": pod, "container": component, "uid": f"uid-{pod}"}
        return self.add("kube_pod_container_status_restarts_total", values, **labels)

    def api_target(self, pod: str, values: str) -> Cluster:
        labels = {
            "namespace": self.ns,
            "service": self.t.naming.name("api"),
            "pod": pod,
            "job": "gorax-api",
            "container": "api",
            "endpoint": "http",
            "instance": f"{pod}:8080",
            "tier": self.t.tier,
        }
        return self.add("up", values, **labels)

    def platform(self, minutes: int, pods: int = 1) -> Cluster:
        """A healthy environment with no traffic: Deployments available, API targets up, a preview's quota."""
        for component in ("api", "worker"):
            self.deployment(component, f"{pods}x{minutes}", f"{pods}x{minutes}")
            for i in range(pods):
                self.restarts(component, f"{self.t.naming.name(component)}-{i}", f"0x{minutes}")
        for i in range(pods):
            self.api_target(f"{self.t.naming.name('api')}-{i}", f"1x{minutes}")
        memory = {**KUBELET, "namespace": self.ns, "container": "api", "pod": f"{self.t.naming.name('api')}-0"}
        self.add("container_memory_working_set_bytes", f"50e6x{minutes}", **memory)
        if self.t.env.preview:
            quota = {**KSM, "namespace": self.ns, "resourcequota": self.t.naming.name("quota")}
            self.add("kube_resourcequota", f"4x{minutes}", resource="pods", type="hard", **quota)
        for phase in ("Active", "Terminating"):
            self.add(
                "kube_namespace_status_phase",
                f"{int(phase == 'Active')}x{minutes}",
                namespace=self.ns,
                phase=phase,
                **KSM,
            )
        return self

    def edge(self, status: str, values: str) -> Cluster:
        if self.t.env.edge.mode == "gateway-api":
            route = f"httproute/{self.ns}/{self.t.naming.name('api', 'route')}/rule/0"
            labels = {**ENVOY, "envoy_cluster_name": route, "envoy_response_code_class": status[0]}
            return self.add("envoy_cluster_upstream_rq_xx", values, **labels)
        labels = {
            **NGINX,
            "exported_namespace": self.ns,
            "ingress": self.t.naming.name("ingress"),
            "service": self.t.naming.name("api"),
            "status": status,
        }
        return self.add("nginx_ingress_controller_requests", values, **labels)


def promtool(*args: str, cwd: Path) -> None:
    """promtool on the files of ``cwd`` (a success with the very same files is not run again: tests/memo.py)."""
    result = memo.run_tool([PROMTOOL, *args], reads=sorted(cwd.glob("*.yaml")), cwd=cwd)
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_check_rules(target, tmp_path):
    (tmp_path / "rules.yaml").write_text(target.rules_yaml)
    promtool("check", "rules", "rules.yaml", cwd=tmp_path)


def run(tmp_path, target: Target, cluster: Cluster, checks: list[dict[str, Any]]) -> None:
    (tmp_path / "rules.yaml").write_text(target.rules_yaml)
    test = {"interval": "1m", "input_series": cluster.items, "promql_expr_test": checks}
    document = {"rule_files": ["rules.yaml"], "evaluation_interval": "1m", "tests": [test]}
    (tmp_path / "tests.yaml").write_text(yaml.dump(document, Dumper=DUMPER, sort_keys=False))
    promtool("test", "rules", "tests.yaml", cwd=tmp_path)


def firing(target: Target, eval_time: str, *names: str, window: str = "1m", **extra: str) -> dict[str, Any]:
    """Exactly ``names`` fired in the ``window`` before ``eval_time``, each at its severity capped by the tier."""
    samples = []
    for name in names:
        labels = {"alertname": name, "alertstate": "firing", "severity": SEVERITY[name].severity_in(target.tier)}
        labels |= {"component": SEVERITY[name].component, "tier": target.tier, **extra}
        labels |= {"namespace": target.env.namespace, "environment": target.env.name}
        samples.append({"labels": series("", **dict(sorted(labels.items()))), "value": 1})
    by = "alertname, alertstate, severity, component, tier, namespace, environment"
    expr = f'max by ({by}) (max_over_time(ALERTS{{alertstate="firing"}}[{window}]))'
    return {"expr": expr, "eval_time": eval_time, "exp_samples": samples}


def nothing(eval_time: str, window: str = "1h", matchers: str = "") -> dict[str, Any]:
    return {
        "expr": f'max_over_time(ALERTS{{alertstate="firing"{matchers}}}[{window}])',
        "eval_time": eval_time,
        "exp_samples": [],
    }


TARGETS = targets()


@pytest.fixture(params=TARGETS, ids=lambda t: t.id)
def target(request) -> Target:
    return request.param


def test_idle_without_application_series_fires_nothing(target, tmp_path):
    run(tmp_path, target, Cluster(target).platform(90, pods=2), [nothing("30m"), nothing("90m")])


def test_idle_with_zeros_fires_nothing(target, tmp_path):
    """What the binaries export when idle: gorax_active_workers 0, counters at rest, no traffic at the edge."""
    cluster = Cluster(target).platform(90)
    scraped = {"namespace": target.env.namespace, "job": "gorax-api", "tier": target.tier}
    cluster.add("gorax_active_workers", "0x90", **scraped)
    cluster.add("gorax_workflow_executions_total", "0x90", status="completed", **scraped)
    cluster.add("gorax_db_connections_in_use", "0x90", pool="main", **scraped)
    cluster.edge("200", "0x90")
    run(tmp_path, target, cluster, [nothing("30m"), nothing("90m")])


def test_sparse_slow_failing_traffic_fires_nothing(target, tmp_path):
    """One request every two minutes, half of them 5xx, all slow: no ratio or latency alert without traffic."""
    cluster = Cluster(target).platform(70).edge("200", "0+0.5x70").edge("503", "0+0.5x70")
    if target.env.edge.mode != "gateway-api":
        slow = {**NGINX, "exported_namespace": target.env.namespace, "ingress": target.naming.name("ingress")}
        for le, values in (("1", "0x70"), ("5", "0x70"), ("+Inf", "0+1x70")):
            cluster.add("nginx_ingress_controller_request_duration_seconds_bucket", values, le=le, **slow)
    run(tmp_path, target, cluster, [nothing("70m")])


def test_a_5xx_outage_at_the_edge_pages_only_in_production(target, tmp_path):
    """Half of 20 requests/s answered 503 at the edge, with no application series at all."""
    cluster = Cluster(target).platform(30).edge("200", "0+600x30").edge("503", "0+600x30")
    assert SEVERITY["HighHTTPErrorRate"].severity_in(target.tier) == HIGHEST[target.tier]
    run(tmp_path, target, cluster, [nothing("4m"), firing(target, "15m", "HighHTTPErrorRate")])


def test_the_api_gone_pages_only_in_production(target, tmp_path):
    """No API pod available (all Pending, or the Deployment at 0): no target either; and pods up but unscraped."""
    pending = Cluster(target).platform(30)
    pending.items = [i for i in pending.items if "gorax-api" not in i["series"] or "worker" in i["series"]]
    pending.deployment("api", "0x30", "3x30")
    run(tmp_path, target, pending, [firing(target, "20m", "APIDown", window="20m")])
    unscraped = Cluster(target).platform(30)
    unscraped.items = [i for i in unscraped.items if not i["series"].startswith("up{")]
    run(tmp_path, target, unscraped, [nothing("4m", "4m"), firing(target, "25m", "APINotScraped")])


def test_a_worker_crash_loop_pages_only_in_production(target, tmp_path):
    """Every worker pod crashes each other minute: up 60 s, down 60 s, for an hour."""
    cluster = Cluster(target).platform(60, pods=3)
    cluster.items = [i for i in cluster.items if target.naming.name("worker") not in i["series"]]
    cluster.deployment("worker", " ".join("3" if m % 2 else "0" for m in range(61)), "3x60")
    for i in range(3):
        cluster.restarts("worker", f"{target.naming.name('worker')}-{i}", " ".join(str(m // 2) for m in range(61)))
    run(tmp_path, target, cluster, [firing(target, "40m", "WorkerCrashLooping", window="1m")])


def test_workers_lost_pages_only_in_production(target, tmp_path):
    """Two of three worker pods gone (evicted, unschedulable) for half an hour."""
    cluster = Cluster(target).platform(40, pods=3)
    cluster.items = [i for i in cluster.items if "kube_deployment" not in i["series"] or "worker" not in i["series"]]
    cluster.deployment("worker", "3x5 1x35", "3x40")
    run(tmp_path, target, cluster, [firing(target, "25m", "WorkerDegraded", "WorkerPodsUnavailable")])


def test_one_pod_of_three_down_pages_nobody(target, tmp_path):
    """One API and one worker pod unready for an hour (the API target scraped but failing): warnings at most."""
    cluster = Cluster(target).platform(60, pods=3)
    cluster.items = [i for i in cluster.items if "kube_deployment" not in i["series"] and "-2:8080" not in i["series"]]
    for component in ("api", "worker"):
        cluster.deployment(component, "2x60", "3x60")
    cluster.api_target(f"{target.naming.name('api')}-2", "0x60")
    warnings = firing(target, "60m", "APIPodsUnavailable", "APIScrapeFailing", "WorkerPodsUnavailable", window="1h")
    assert all(
        SEVERITY[name].severity_in("production") == "warning" for name in ("APIPodsUnavailable", "APIScrapeFailing")
    )
    run(tmp_path, target, cluster, [nothing("60m", matchers=',severity="critical"'), warnings])


def flapping_values(minutes: int, on: int, off: int, per_minute: float, share: float) -> tuple[str, str]:
    """Counters of good and 5xx answers: ``share`` 5xx for ``on`` minutes, none for ``off``, repeating."""
    good, bad, good_values, bad_values = 0.0, 0.0, [], []
    for minute in range(minutes + 1):
        good_values.append(f"{good:g}")
        bad_values.append(f"{bad:g}")
        erroring = minute % (on + off) < on
        good += per_minute * (1 - share if erroring else 1)
        bad += per_minute * share if erroring else 0
    return " ".join(good_values), " ".join(bad_values)


def test_flapping_errors_keep_one_alert_open(target, tmp_path):
    """12 % 5xx at 20 requests/s, 10 minutes on and 10 off, for two hours: one alert, open throughout."""
    good, bad = flapping_values(120, 10, 10, 1200, 0.12)
    cluster = Cluster(target).platform(120).edge("200", good).edge("503", bad)
    checks = [firing(target, f"{minute}m", "HighHTTPErrorRate") for minute in range(20, 121)]
    run(tmp_path, target, cluster, checks)


def test_a_stall_pages_only_in_production_where_the_queue_is_exported(tmp_path):
    """A queue that drained every other minute fills to 200 and stays (a build exporting gorax_queue_depth).

    Without ``application_metrics.queue_depth`` (the released binaries) no such alert exists."""
    served = lambda env: replace(  # noqa: E731
        env,
        monitoring=replace(
            env.monitoring, application_metrics=replace(env.monitoring.application_metrics, queue_depth=True)
        ),
    )
    for target in targets(served):
        cluster = Cluster(target).platform(40)
        labels = {"namespace": target.env.namespace, "job": "gorax-api", "tier": target.tier, "queue": "default"}
        cluster.add("gorax_queue_depth", "0 3 " * 5 + "200x30", **labels)
        assert SEVERITY["WorkflowExecutionStalled"].severity_in(target.tier) == HIGHEST[target.tier]
        run(tmp_path, target, cluster, [nothing("20m", "20m"), firing(target, "35m", "WorkflowExecutionStalled")])
    assert not [r for t in TARGETS for g in t.groups for r in g["rules"] if r["alert"] == "WorkflowExecutionStalled"]


def test_a_deleted_preview_fires_nothing(target, tmp_path):
    """A preview runs for 20 minutes, then its namespace is deleted: its Deployments go at once, its namespace
    is Terminating while the pods take their grace period (up to 300 s) with the quota still there, then
    every series of it ends."""
    gone = Target("preview", preview(name="pr-gone"), target.groups)
    cluster = Cluster(target).platform(90)
    deleted = Cluster(gone).platform(20).edge("200", "0+60x20")
    deleted.items = [i for i in deleted.items if not i["series"].startswith(("kube_resourcequota", "kube_namespace"))]
    ksm = {**KSM, "namespace": gone.env.namespace}
    deleted.add(
        "kube_resourcequota", "4x27", resource="pods", type="hard", resourcequota=gone.naming.name("quota"), **ksm
    )
    deleted.add("kube_namespace_status_phase", "1x20 0x7", phase="Active", **ksm)
    deleted.add("kube_namespace_status_phase", "0x20 1x7", phase="Terminating", **ksm)
    cluster.items += deleted.items
    run(tmp_path, target, cluster, [nothing("90m", "90m")])


def test_the_edge_in_gateway_mode(tmp_path):
    """Envoy Gateway's proxies measure the same outage: 503 for half of 20 requests/s on the API's HTTPRoute."""
    gateway = replace(PRODUCTION, edge=replace(PRODUCTION.edge, mode="gateway-api"))
    assert isinstance(gateway.edge, EdgeConfig)
    target = Target("production-gateway", gateway, rule_groups(gateway))
    cluster = Cluster(target).platform(30).edge("200", "0+600x30").edge("503", "0+600x30")
    run(tmp_path, target, cluster, [nothing("4m"), firing(target, "15m", "HighHTTPErrorRate")])


def test_pod_level_trouble_warns(target, tmp_path):
    """A failed migration, an HPA at its maximum, an OOM kill, memory near the limit: warnings (capped), no page."""
    cluster = Cluster(target).platform(40)
    ns, naming = target.env.namespace, target.naming
    job = {**KSM, "namespace": ns, "job_name": naming.name("migrate")}
    cluster.add("kube_job_status_failed", "0x5 1x35", **job).add("kube_job_status_succeeded", "0x40", **job)
    hpa = {**KSM, "namespace": ns, "horizontalpodautoscaler": naming.name("api", "hpa")}
    cluster.add("kube_horizontalpodautoscaler_status_current_replicas", "5x40", **hpa)
    cluster.add("kube_horizontalpodautoscaler_spec_max_replicas", "5x40", **hpa)
    cluster.add("kube_horizontalpodautoscaler_spec_min_replicas", "1x40", **hpa)
    worker = {**KSM, "namespace": ns, "pod": f"{naming.name('worker')}-0", "container": "worker"}
    cluster.items = [i for i in cluster.items if "restarts_total" not in i["series"] or "worker" not in i["series"]]
    cluster.add("kube_pod_container_status_last_terminated_reason", "0x10 1x30", reason="OOMKilled", **worker)
    cluster.add("kube_pod_container_status_restarts_total", "0x10 1x30", uid="uid-w0", **worker)
    limit = 2 * 1024**3  # above every environment's limit
    memory = {**KUBELET, "namespace": ns, "pod": f"{naming.name('api')}-0", "container": "api"}
    cluster.add("container_memory_working_set_bytes", f"{limit}x40", **memory)
    names = ("AutoscalerAtMaximum", "ContainerOOMKilled", "HighMemoryUsage", "MigrationFailed")
    assert {SEVERITY[n].severity_in("production") for n in names} == {"warning"}
    run(tmp_path, target, cluster, [firing(target, "30m", *names, window="30m")])


def test_a_retried_migration_and_a_fixed_size_autoscaler_fire_nothing(target, tmp_path):
    cluster = Cluster(target).platform(40)
    ns, naming = target.env.namespace, target.naming
    job = {**KSM, "namespace": ns, "job_name": naming.name("migrate")}
    cluster.add("kube_job_status_failed", "0x5 1x35", **job).add("kube_job_status_succeeded", "0x6 1x34", **job)
    hpa = {**KSM, "namespace": ns, "horizontalpodautoscaler": naming.name("worker", "hpa")}
    for name in ("status_current_replicas", "spec_max_replicas", "spec_min_replicas"):
        cluster.add(f"kube_horizontalpodautoscaler_{name}", "3x40", **hpa)
    run(tmp_path, target, cluster, [nothing("40m", "40m")])
