"""The output deploys the Gorax binaries as their source says they are (stherrien/gorax, read at 7fe08cb).

The tables below are the upstream facts, each with the file it was read from; the contract's defaults are
pinned to them, and every synthesized environment whose contract is the upstream one is checked against
them: a probe or a scrape on a path the binary does not serve fails here, whatever the configuration.
"""

import dataclasses

import pytest

from gorax_constructs.configuration.contract import API, WORKER, AppContract, Metrics, Probes, Process, served_metrics
from gorax_constructs.configuration.errors import ConfigError
from gorax_constructs.configuration.naming import Naming

from . import fixture_catalog as fixture
from .conftest import synthesize_environments
from .k8s_objects import containers, pod_templates

PRODUCTION = fixture.PRODUCTION

# What each binary serves, by the executable the release image holds (root Dockerfile: /app/gorax, /app/worker).
SERVED = {
    # internal/api/app.go: r.Get("/health"), r.Get("/ready"), r.Handle("/metrics") (METRICS_ENABLED), on
    # SERVER_ADDRESS (default :8080). chi routes are exact: /health/live and /health/ready answer 404.
    "/app/gorax": {"port_variable": "SERVER_ADDRESS", "default_port": 8080, "paths": {"/health", "/ready", "/metrics"}},
    # internal/worker/health.go NewHealthServer: its only HTTP server, on WORKER_HEALTH_PORT (default 8081).
    "/app/worker": {
        "port_variable": "WORKER_HEALTH_PORT",
        "default_port": 8081,
        "paths": {"/health/live", "/health/ready", "/health"},
    },
}
GUIDE_ONLY = ("image: gorax/api:", "image: gorax/worker:", "parentbased_traceidratio", "OTEL_EXPORTER_OTLP_ENDPOINT")
"""Guide values no binary uses (``app-env-contract.md``): they must not reach the output."""


def test_the_contract_defaults_are_the_upstream_facts():
    contract = AppContract()
    assert contract.api.command == ("/app/gorax",) and contract.worker.command == ("/app/worker",)
    for process in (contract.api, contract.worker):
        served = SERVED[process.command[0]]
        assert process.port == served["default_port"]
        assert {process.probes.liveness, process.probes.readiness} <= served["paths"]
    assert (contract.api.probes.liveness, contract.api.probes.readiness) == ("/health", "/ready")
    assert (contract.worker.probes.liveness, contract.worker.probes.readiness) == ("/health/live", "/health/ready")
    assert contract.api.metrics == Metrics(port=8080, path="/metrics")
    assert contract.worker.metrics is None  # the worker serves no /metrics
    # cmd/migrate/main.go: "up" by default, DATABASE_URL, migrations/ relative to the working directory.
    assert (contract.migration.command, contract.migration.args) == (("/app/migrate",), ("up",))
    assert contract.migration.working_dir == "/app" and contract.migration.env == ("DATABASE_URL",)
    # The variables the contract says each binary reads are ones internal/config/config.go loads.
    assert {"REDIS_ADDRESS", "REDIS_PASSWORD", "REDIS_DB", "SERVER_ADDRESS"} <= set(contract.api.env)
    assert {"REDIS_ADDRESS", "QUEUE_ENABLED", "AWS_SQS_QUEUE_URL", "WORKER_HEALTH_PORT"} <= set(contract.worker.env)


def upstream(env) -> bool:
    """The environment describes the released binaries: the default contract, metrics as it says."""
    served = env.monitoring.application_metrics
    return (env.contract.api, env.contract.worker) == (API, WORKER) and served.api is None and served.worker is None


def _env_value(container, name):
    (entry,) = [e for e in container["env"] if e["name"] == name]
    return entry.get("value")


def test_every_probe_targets_a_path_and_port_its_binary_serves(environment):
    if not upstream(environment.env):
        pytest.skip(f"{environment.env.name}: a build with its own contract")
    for _, template in pod_templates(environment.objects):
        for container in containers(template):
            if "livenessProbe" not in container or container["name"] not in ("api", "worker"):
                continue  # the migration, or an extension's container
            served = SERVED[container["command"][0]]
            port = int(_env_value(container, served["port_variable"]).lstrip(":"))
            ports = {p["name"]: p["containerPort"] for p in container["ports"]}
            for kind in ("livenessProbe", "readinessProbe", "startupProbe"):
                if kind in container:
                    probe = container[kind]["httpGet"]
                    assert probe["path"] in served["paths"], f"{container['name']} {kind} {probe['path']}"
                    assert ports.get(probe["port"], probe["port"]) == port


def _scraped(environment):
    """(the selected pods' Gorax container, port, path) of every ServiceMonitor and PodMonitor endpoint."""
    naming = Naming.of(environment.env)
    for monitor in environment.of_kind("ServiceMonitor") + environment.of_kind("PodMonitor"):
        selector = monitor["spec"]["selector"]["matchLabels"]
        component = selector["app.kubernetes.io/component"]
        assert selector == naming.selector(component)
        (deployment,) = [
            d for d in environment.of_kind("Deployment") if d["metadata"]["name"] == naming.name(component)
        ]
        endpoints = monitor["spec"].get("endpoints") or monitor["spec"]["podMetricsEndpoints"]
        for endpoint in endpoints:
            (container,) = [c for c in containers(deployment["spec"]["template"]) if c["name"] == component]
            yield container, endpoint["port"], endpoint["path"]


def test_nothing_scrapes_an_endpoint_the_binary_does_not_serve(environment):
    contract = environment.env.contract
    for container, port_name, path in _scraped(environment):
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        binary = container["command"][0]
        component = "api" if binary == contract.api.command[0] else "worker"
        metrics = served_metrics(environment.env, component)
        assert metrics is not None, f"{binary} is scraped but serves no metrics"
        assert (ports[port_name], path) == (metrics.port, metrics.path)
        if upstream(environment.env):
            served = SERVED[binary]
            assert path in served["paths"] and ports[port_name] == served["default_port"]


def test_the_guide_values_are_nowhere_in_the_output(environment):
    text = environment.text()
    for value in GUIDE_ONLY:
        assert value not in text, value
    # /health/live and /health/ready: the worker's health server only.
    for _, template in pod_templates(environment.objects):
        for container in containers(template):
            paths = {container[k]["httpGet"]["path"] for k in ("livenessProbe", "readinessProbe") if k in container}
            if container.get("command") == ["/app/gorax"]:
                assert not paths & {"/health/live", "/health/ready"}


def test_one_release_image_runs_both_components(tmp_path):
    """Upstream's one image holds both binaries: the command, not the image, tells them apart."""
    staging = fixture.STAGING
    env = dataclasses.replace(staging, worker=dataclasses.replace(staging.worker, image=staging.api.image))
    output = synthesize_environments((env,), tmp_path)[env.name]
    running = {
        c["image"]: c["command"]
        for _, t in pod_templates(output.objects)
        for c in containers(t)
        if "livenessProbe" in c
    }
    assert list(running) == [env.api.image.reference]
    commands = sorted(c["command"][0] for _, t in pod_templates(output.objects) for c in containers(t) if "ports" in c)
    assert commands == ["/app/gorax", "/app/worker"]


def test_a_worker_build_that_serves_metrics_gets_a_pod_monitor(tmp_path):
    """One setting: the contract's worker metrics. Same port as the health server, or its own."""
    for port, port_name in ((8081, "health"), (9090, "metrics")):
        worker = dataclasses.replace(PRODUCTION.contract.worker, metrics=Metrics(port=port))
        env = dataclasses.replace(PRODUCTION, contract=dataclasses.replace(PRODUCTION.contract, worker=worker))
        output = synthesize_environments((env,), tmp_path / str(port))[env.name]
        (monitor,) = output.of_kind("PodMonitor")
        (endpoint,) = monitor["spec"]["podMetricsEndpoints"]
        assert (endpoint["port"], endpoint["path"]) == (port_name, "/metrics")
        policy = output.get("NetworkPolicy", Naming.of(env).name("worker"))
        assert [port_name] == [p["port"] for rule in policy["spec"]["ingress"] for p in rule["ports"]]


def test_without_worker_metrics_nothing_may_reach_the_workers(environment):
    if served_metrics(environment.env, "worker") is not None:
        pytest.skip(f"{environment.env.name}: a build whose workers serve metrics")
    assert environment.of_kind("PodMonitor") == []
    policy = environment.get("NetworkPolicy", Naming.of(environment.env).name("worker"))
    assert policy["spec"]["ingress"] == [] and "Ingress" in policy["spec"]["policyTypes"]


@pytest.mark.parametrize(
    "change,field,allowed",
    [
        (
            lambda c: dataclasses.replace(c, api=_probes(c.api, readiness="ready")),
            "contract.api.probes.readiness",
            "an absolute HTTP path",
        ),
        (
            lambda c: dataclasses.replace(c, api=_probes(c.api, liveness="/health live")),
            "contract.api.probes.liveness",
            "an absolute HTTP path",
        ),
        (
            lambda c: dataclasses.replace(c, worker=dataclasses.replace(c.worker, port=70000)),
            "contract.worker.port",
            "a port from 1 to 65535",
        ),
        (
            lambda c: dataclasses.replace(c, worker=dataclasses.replace(c.worker, metrics=Metrics(port=0))),
            "contract.worker.metrics.port",
            "a port from 1 to 65535",
        ),
        (
            lambda c: dataclasses.replace(c, api=dataclasses.replace(c.api, metrics=Metrics(port=9090))),
            "contract.api.metrics.port",
            "the API's port (8080)",
        ),
        (
            lambda c: dataclasses.replace(c, api=dataclasses.replace(c.api, command=())),
            "contract.api.command",
            "at least the executable",
        ),
    ],
)
def test_a_bad_contract_is_one_clear_error(change, field, allowed):
    with pytest.raises(ConfigError) as caught:
        dataclasses.replace(PRODUCTION, contract=change(PRODUCTION.contract))
    assert caught.value.environment == PRODUCTION.name
    problems = {p.field: p.allowed for p in caught.value.problems}
    assert allowed in problems[field]


def _probes(process: Process, **paths: str) -> Process:
    return dataclasses.replace(process, probes=dataclasses.replace(process.probes, **paths))


def test_a_startup_probe_only_when_the_contract_names_one(tmp_path):
    api = dataclasses.replace(
        PRODUCTION.contract.api, probes=Probes(liveness="/health", readiness="/ready", startup="/health")
    )
    env = dataclasses.replace(PRODUCTION, contract=dataclasses.replace(PRODUCTION.contract, api=api))
    output = synthesize_environments((env,), tmp_path)[env.name]
    api_deployment = output.get("Deployment", Naming.of(env).name("api"))
    (container,) = containers(api_deployment["spec"]["template"])
    assert container["startupProbe"]["httpGet"] == {"path": "/health", "port": "http", "scheme": "HTTP"}
    assert all(
        "startupProbe" not in c for _, t in pod_templates(output.objects) for c in containers(t) if c is not container
    )


def test_the_monitoring_switch_and_the_contract_agree():
    """``monitoring.application_metrics.worker = True`` is the other one setting: /metrics on the health port."""
    monitoring = PRODUCTION.monitoring
    on = dataclasses.replace(
        monitoring, application_metrics=dataclasses.replace(monitoring.application_metrics, worker=True)
    )
    assert served_metrics(dataclasses.replace(PRODUCTION, monitoring=on), "worker") == Metrics(port=WORKER.port)
    off = dataclasses.replace(
        monitoring, application_metrics=dataclasses.replace(monitoring.application_metrics, api=False)
    )
    assert served_metrics(dataclasses.replace(PRODUCTION, monitoring=off), "api") is None
    worker = dataclasses.replace(PRODUCTION.contract.worker, metrics=Metrics(port=9090))
    refused = dataclasses.replace(
        monitoring, application_metrics=dataclasses.replace(monitoring.application_metrics, worker=False)
    )
    with pytest.raises(ConfigError) as caught:
        dataclasses.replace(
            PRODUCTION, monitoring=refused, contract=dataclasses.replace(PRODUCTION.contract, worker=worker)
        )
    assert (
        "contract.worker.metrics"
        in {p.field: p.allowed for p in caught.value.problems}["monitoring.application_metrics.worker"]
    )
