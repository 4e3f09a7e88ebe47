"""Each validation rule: bad input raises ConfigError naming the environment, the field,
the value and what is allowed."""

from dataclasses import replace

import pytest

from gorax_constructs.configuration.contract import AppContract, Migrator
from gorax_constructs.configuration.errors import ConfigError
from gorax_constructs.configuration.model import Autoscaling, Cors, DisruptionBudget, Image, Resources, check_unique
from gorax_constructs.configuration.network import Peer

from .fixture_catalog import DEV as DEVELOPMENT
from .fixture_catalog import PRODUCTION, STAGING


def expect_error(build, *, env: str, field: str, value: str, allowed: str) -> None:
    with pytest.raises(ConfigError) as caught:
        build()
    message = str(caught.value)
    assert f"environment '{env}'" in message
    assert field in message
    assert value in message
    assert allowed in message


def test_autoscaling_min_above_max():
    expect_error(
        lambda: replace(
            PRODUCTION,
            api=replace(
                PRODUCTION.api, autoscaling=replace(PRODUCTION.api.autoscaling, min_replicas=5, max_replicas=4)
            ),
        ),
        env="production",
        field="api.autoscaling.max_replicas",
        value="4",
        allowed="at least min_replicas (5)",
    )


def test_requests_above_limits():
    resources = Resources(cpu_request="2", cpu_limit="500m", memory_request="1Gi", memory_limit="512Mi")
    with pytest.raises(ConfigError) as caught:
        replace(STAGING, worker=replace(STAGING.worker, resources=resources))
    message = str(caught.value)
    assert "environment 'staging': worker.resources.cpu_request = '2'" in message
    assert "at most the CPU limit 500m" in message
    assert "worker.resources.memory_request = '1Gi'" in message


@pytest.mark.parametrize(
    "field,value",
    [
        ("cpu_request", "100x"),
        ("cpu_limit", "-1"),
        ("memory_request", "12 Mi"),
        ("memory_limit", "1.5Gb"),
        ("cpu_request", "0m"),
    ],
)
def test_malformed_quantities(field, value):
    resources = replace(DEVELOPMENT.api.resources, **{field: value})
    expect_error(
        lambda: replace(DEVELOPMENT, api=replace(DEVELOPMENT.api, resources=resources)),
        env="development",
        field=f"api.resources.{field}",
        value=repr(value),
        allowed="quantity such as",
    )


@pytest.mark.parametrize(
    "host", ["API.gorax.io", "api_gorax.io", "-api.gorax.io", "api..gorax.io", "", "a" * 64 + ".io"]
)
def test_host_is_not_a_dns_name(host):
    expect_error(
        lambda: replace(STAGING, api_host=host), env="staging", field="api_host", value=repr(host), allowed="DNS name"
    )


@pytest.mark.parametrize(
    "origin",
    ["app.gorax.io", "https://app.gorax.io/", "ftp://app.gorax.io", "https://app.gorax.io/path", "https://*.gorax.io"],
)
def test_cors_origin_not_absolute_http_origin(origin):
    expect_error(
        lambda: replace(PRODUCTION, cors=replace(PRODUCTION.cors, allowed_origins=(origin,))),
        env="production",
        field="cors.allowed_origins",
        value=repr(origin),
        allowed="absolute http(s) origin",
    )


@pytest.mark.parametrize("env", [STAGING, PRODUCTION], ids=lambda e: e.name)
def test_cors_wildcard_outside_development(env):
    expect_error(
        lambda: replace(env, cors=Cors(allowed_origins=("*",), allow_credentials=False)),
        env=env.name,
        field="cors.allowed_origins",
        value="'*'",
        allowed="only in development",
    )


def test_cors_wildcard_allowed_in_development_without_credentials():
    assert replace(DEVELOPMENT, cors=Cors(allowed_origins=("*",), allow_credentials=False)).cors.allowed_origins == (
        "*",
    )


@pytest.mark.parametrize("ratio", [-0.1, 1.01, float("nan"), True])
def test_sample_rate_outside_unit_interval(ratio):
    expect_error(
        lambda: replace(STAGING, tracing=replace(STAGING.tracing, sample_ratio=ratio)),
        env="staging",
        field="tracing.sample_ratio",
        value=repr(ratio),
        allowed="from 0 to 1",
    )


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://jaeger-collector:14268/api/traces",
        "otel-collector:4317",
        "http://otel-collector",
        "grpc://otel-collector:4317",
        "http://otel-collector:99999",
    ],
)
def test_tracing_endpoint_must_be_an_otlp_url(endpoint):
    expect_error(
        lambda: replace(PRODUCTION, tracing=replace(PRODUCTION.tracing, endpoint=endpoint)),
        env="production",
        field="tracing.endpoint",
        value=repr(endpoint),
        allowed="OTLP collector URL",
    )


def test_tracing_protocol_and_port_must_agree():
    expect_error(
        lambda: replace(
            DEVELOPMENT, tracing=replace(DEVELOPMENT.tracing, endpoint="http://otel.observability.svc:4318")
        ),
        env="development",
        field="tracing.endpoint",
        value="4318",
        allowed="port 4317 for protocol grpc",
    )
    expect_error(
        lambda: replace(DEVELOPMENT, tracing=replace(DEVELOPMENT.tracing, protocol="thrift")),
        env="development",
        field="tracing.protocol",
        value="'thrift'",
        allowed="grpc: the binaries export with otlptracegrpc",
    )


@pytest.mark.parametrize("interval", ["30", "30 s", "1.5m", "", "0s", "30sec"])
def test_bad_scrape_interval(interval):
    expect_error(
        lambda: replace(STAGING, monitoring=replace(STAGING.monitoring, scrape_interval=interval)),
        env="staging",
        field="monitoring.scrape_interval",
        value=repr(interval),
        allowed="Prometheus duration",
    )


def test_scrape_timeout_longer_than_interval():
    expect_error(
        lambda: replace(
            PRODUCTION, monitoring=replace(PRODUCTION.monitoring, scrape_interval="15s", scrape_timeout="1m")
        ),
        env="production",
        field="monitoring.scrape_timeout",
        value="'1m'",
        allowed="at most scrape_interval (15s)",
    )


@pytest.mark.parametrize("field,value", [("http_5xx_ratio", 1.5), ("queue_depth_warning", 0), ("http_p95_seconds", -1)])
def test_bad_alert_threshold(field, value):
    thresholds = replace(PRODUCTION.monitoring.thresholds, **{field: value})
    expect_error(
        lambda: replace(PRODUCTION, monitoring=replace(PRODUCTION.monitoring, thresholds=thresholds)),
        env="production",
        field=f"monitoring.thresholds.{field}",
        value=repr(value),
        allowed="",
    )


@pytest.mark.parametrize(
    "field,value",
    [
        ("http_requests_per_second", 0),
        ("workflow_executions_per_second", -0.1),
        ("workflow_executions_per_second", "1"),
    ],
)
def test_ratio_alerts_need_a_positive_traffic_floor(field, value):
    floor = replace(STAGING.monitoring.min_traffic, **{field: value})
    expect_error(
        lambda: replace(STAGING, monitoring=replace(STAGING.monitoring, min_traffic=floor)),
        env="staging",
        field=f"monitoring.min_traffic.{field}",
        value=repr(value),
        allowed="a positive rate in events per second",
    )


def test_a_preview_is_development_tier_without_the_shared_preview_monitoring():
    expect_error(
        lambda: replace(STAGING, preview=True),
        env="staging",
        field="preview",
        value="True",
        allowed="False in a staging-tier environment: previews copy development",
    )
    expect_error(
        lambda: replace(DEVELOPMENT, name="pr-1", preview=True),
        env="pr-1",
        field="monitoring.preview_monitoring",
        value="True",
        allowed="False in a preview",
    )


def test_one_environment_carries_the_preview_monitoring():
    second = replace(STAGING, monitoring=replace(STAGING.monitoring, preview_monitoring=True))
    with pytest.raises(ConfigError) as error:
        check_unique((DEVELOPMENT, second, PRODUCTION))
    assert str(error.value) == (
        "environment 'staging': monitoring.preview_monitoring = True is not allowed: "
        "False: environment 'development' already carries the previews' dashboard and rules"
    )


def test_bad_prometheus_selector_label():
    expect_error(
        lambda: replace(
            DEVELOPMENT, monitoring=replace(DEVELOPMENT.monitoring, prometheus_labels=(("release", "a b"),))
        ),
        env="development",
        field="monitoring.prometheus_labels",
        value="('release', 'a b')",
        allowed="label name, label value",
    )


@pytest.mark.parametrize("env", [STAGING, PRODUCTION], ids=lambda e: e.name)
@pytest.mark.parametrize("tag", ["latest", ""])
def test_latest_or_empty_tag_outside_development(env, tag):
    image = Image(repository="gorax/api", tag=tag)
    expect_error(
        lambda: replace(env, api=replace(env.api, image=image)),
        env=env.name,
        field="api.image.tag",
        value=repr(tag),
        allowed="",
    )


@pytest.mark.parametrize("env", [STAGING, PRODUCTION], ids=lambda e: e.name)
@pytest.mark.parametrize("tag", ["stable", "staging", "main"])
def test_staging_and_production_refuse_mutable_tags(env, tag):
    """A new build pushed under a moving tag reaches pods only as they restart, without a sync or its migration."""
    expect_error(
        lambda: replace(env, worker=replace(env.worker, image=Image(repository="gorax/worker", tag=tag))),
        env=env.name,
        field="worker.image.tag",
        value=repr(tag),
        allowed="an immutable reference",
    )


@pytest.mark.parametrize("env", [STAGING, PRODUCTION], ids=lambda e: e.name)
@pytest.mark.parametrize(
    "image",
    [
        Image(repository="gorax/worker", tag="v1.2.3"),
        Image(repository="gorax/worker", tag="3f9c2e1"),
        Image(repository="gorax/worker", tag="sha-" + "3f9c2e1a" * 5),
        Image(repository="gorax/worker", digest="sha256:" + "a" * 64),
        Image(repository="gorax/worker", tag="staging", digest="sha256:" + "a" * 64),
    ],
    ids=lambda i: i.reference,
)
def test_staging_and_production_accept_versions_commit_shas_and_digests(env, image):
    assert replace(env, worker=replace(env.worker, image=image)).worker.image == image


def test_development_accepts_mutable_tags():
    assert replace(DEVELOPMENT, api=replace(DEVELOPMENT.api, image=Image(repository="gorax/api", tag="latest")))


@pytest.mark.parametrize("field", ["name", "namespace"])
def test_duplicate_environment_names_or_namespaces(field):
    fields = {
        "name": "staging-2",
        "prefix": "staging2",
        "api_host": "api.s2.gorax.io",
        "webhooks_host": "webhooks.s2.gorax.io",
        field: getattr(PRODUCTION, field),
    }
    twin = replace(STAGING, **fields)
    with pytest.raises(ConfigError) as caught:
        check_unique((DEVELOPMENT, PRODUCTION, twin))
    message = str(caught.value)
    assert f"environment '{twin.name}'" in message
    assert f"{field} = '{getattr(PRODUCTION, field)}'" in message
    assert "already used by environment 'production'" in message


def test_autoscaling_percentages():
    expect_error(
        lambda: replace(
            DEVELOPMENT,
            worker=replace(
                DEVELOPMENT.worker,
                autoscaling=Autoscaling(min_replicas=1, max_replicas=2, cpu_utilization=0, memory_utilization=80),
            ),
        ),
        env="development",
        field="worker.autoscaling.cpu_utilization",
        value="0",
        allowed="percentage",
    )


def test_every_problem_is_reported_at_once():
    with pytest.raises(ConfigError) as caught:
        replace(PRODUCTION, api_host="bad host", log_level="verbose")
    assert len(caught.value.problems) == 2


def test_error_names_environment_and_field_for_duplicate_hosts():
    clash = replace(STAGING, name="staging-eu", prefix="staging-eu", namespace="gorax-staging-eu")
    with pytest.raises(ConfigError, match="environment 'staging-eu': host = 'api.staging.gorax.io'"):
        check_unique((DEVELOPMENT, STAGING, PRODUCTION, clash))


@pytest.mark.parametrize("field", ["requests_per_second", "burst_multiplier", "connections", "body_size_mb"])
@pytest.mark.parametrize("value", [0, -5])
def test_rate_limits_must_be_positive(field, value):
    webhooks = replace(PRODUCTION.edge.webhooks, **{field: value})
    expect_error(
        lambda: replace(PRODUCTION, edge=replace(PRODUCTION.edge, webhooks=webhooks)),
        env="production",
        field=f"edge.webhooks.{field}",
        value=repr(value),
        allowed="a positive integer",
    )


def test_unknown_edge_mode():
    expect_error(
        lambda: replace(STAGING, edge=replace(STAGING.edge, mode="traefik")),
        env="staging",
        field="edge.mode",
        value="'traefik'",
        allowed="one of ingress-nginx, gateway-api",
    )


def test_connect_timeout_beyond_what_nginx_honours():
    api = replace(DEVELOPMENT.edge.api, connect_timeout_seconds=300)
    expect_error(
        lambda: replace(DEVELOPMENT, edge=replace(DEVELOPMENT.edge, api=api)),
        env="development",
        field="edge.api.connect_timeout_seconds",
        value="300",
        allowed="from 1 to 75",
    )


def test_overlapping_hosts_between_environments():
    """One environment's webhooks host is another's API host: the edges would fight over one host name."""
    clash = replace(
        STAGING,
        name="staging-eu",
        prefix="staging-eu",
        namespace="gorax-staging-eu",
        api_host="api.staging-eu.gorax.io",
        webhooks_host=PRODUCTION.api_host,
    )
    with pytest.raises(
        ConfigError, match="environment 'staging-eu': host = 'api.gorax.io' .* environment 'production'"
    ):
        check_unique((DEVELOPMENT, STAGING, PRODUCTION, clash))


def test_database_peer_is_cidrs_or_selectors_not_both():
    database = Peer(cidrs=("10.0.0.0/24",), namespace_labels=(("kubernetes.io/metadata.name", "postgres"),))
    expect_error(
        lambda: replace(PRODUCTION, network=replace(PRODUCTION.network, database=database)),
        env="production",
        field="network.database.cidrs",
        value="('10.0.0.0/24',)",
        allowed="either CIDRs or namespace_labels",
    )


@pytest.mark.parametrize("cidr", ["10.0.0.1/8", "not-a-cidr", "0.0.0.0/0", "fd00::/8"])
def test_private_range_must_be_a_narrow_ipv4_block(cidr):
    expect_error(
        lambda: replace(STAGING, network=replace(STAGING.network, private_ranges=(cidr,))),
        env="staging",
        field="network.private_ranges",
        value=repr(cidr),
        allowed="IPv4 CIDR narrower than 0.0.0.0/0",
    )


def test_disruption_budget_that_blocks_every_drain():
    """The old development PDB: minAvailable 1 with one replica allows no eviction."""
    expect_error(
        lambda: replace(
            DEVELOPMENT,
            api=replace(DEVELOPMENT.api, disruption_budget=DisruptionBudget(max_unavailable=None, min_available=1)),
        ),
        env="development",
        field="api.disruption_budget.min_available",
        value="1",
        allowed="below autoscaling.min_replicas (1)",
    )


@pytest.mark.parametrize(
    "budget,field",
    [((0, None), "max_unavailable"), ((None, None), "max_unavailable"), ((1, 1), "max_unavailable")],
)
def test_disruption_budget_shape(budget, field):
    expect_error(
        lambda: replace(
            STAGING,
            worker=replace(
                STAGING.worker,
                disruption_budget=DisruptionBudget(max_unavailable=budget[0], min_available=budget[1]),
            ),
        ),
        env="staging",
        field=f"worker.disruption_budget.{field}",
        value=repr(budget[0]),
        allowed="",
    )


def test_worker_grace_shorter_than_step_timeout():
    expect_error(
        lambda: replace(PRODUCTION, worker=replace(PRODUCTION.worker, termination_grace_seconds=60)),
        env="production",
        field="worker.termination_grace_seconds",
        value="60",
        allowed="at least workflow_timeout_seconds (300)",
    )


@pytest.mark.parametrize(
    "change,field,value",
    [
        ({"store_name": "Bad_Store"}, "store_name", "'Bad_Store'"),
        ({"store_kind": "VaultStore"}, "store_kind", "'VaultStore'"),
        ({"remote_key_prefix": "/gorax//prod"}, "remote_key_prefix", "'/gorax//prod'"),
        ({"refresh_interval": "hourly"}, "refresh_interval", "'hourly'"),
    ],
)
def test_external_secrets_settings(change, field, value):
    expect_error(
        lambda: replace(PRODUCTION, secrets=replace(PRODUCTION.secrets, **change)),
        env="production",
        field=f"secrets.{field}",
        value=value,
        allowed="",
    )


@pytest.mark.parametrize(
    "field,value", [("backoff_limit", -1), ("active_deadline_seconds", 0), ("ttl_seconds_after_finished", True)]
)
def test_migration_job_limits(field, value):
    expect_error(
        lambda: replace(STAGING, migration=replace(STAGING.migration, **{field: value})),
        env="staging",
        field=f"migration.{field}",
        value=repr(value),
        allowed="",
    )


def test_production_accepts_a_digest_without_a_tag():
    image = Image(repository="gorax/api", digest="sha256:" + "b" * 64)
    # The migrator cannot follow a digest-only API image: it names its own image then.
    migrator = Migrator(image=Image(repository="gorax/gorax-migrate", digest="sha256:" + "c" * 64))
    env = replace(PRODUCTION, api=replace(PRODUCTION.api, image=image), contract=AppContract(migration=migrator))
    assert env.api.image.reference.endswith("b" * 64)
