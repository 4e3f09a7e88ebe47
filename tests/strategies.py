"""Hypothesis strategies for environment configs: mostly plausible values, some broken ones.

Later features extend ``environment_overrides`` with their own fields.
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import strategies as st

from gorax_constructs.configuration.model import (
    Autoscaling,
    DisruptionBudget,
    EnvironmentConfig,
    Image,
    Migration,
    Resources,
)
from gorax_constructs.configuration.secrets import ExistingSecret, ExternalSecrets
from gorax_constructs.environments import ENVIRONMENTS

cpu = st.one_of(st.sampled_from(["50m", "100m", "250m", "1", "0.5", "2"]), st.text(max_size=6))
memory = st.one_of(st.sampled_from(["64Mi", "128Mi", "512Mi", "1Gi", "2G"]), st.text(max_size=6))
replicas = st.integers(min_value=-1, max_value=40)
percent = st.integers(min_value=-5, max_value=120)
dns_label = st.from_regex(r"[a-z][a-z0-9-]{0,10}[a-z0-9]", fullmatch=True)
host = st.one_of(st.builds(lambda a, b: f"{a}.{b}.io", dns_label, dns_label), st.text(max_size=12))
origin = st.one_of(st.builds(lambda h: f"https://{h}", host), st.just("*"), st.text(max_size=12))
positive = st.integers(min_value=-2, max_value=500)
edge_mode = st.sampled_from(["ingress-nginx", "gateway-api", "traefik"])
cidr = st.one_of(
    st.sampled_from(["10.0.0.0/8", "172.16.0.0/12", "10.0.0.1/8", "::/0", "0.0.0.0/0"]), st.text(max_size=6)
)
duration = st.one_of(st.sampled_from(["10s", "30s", "1m", "1m30s", "500ms", "0s"]), st.text(max_size=5))
endpoint = st.one_of(st.builds(lambda h, p: f"http://{h}:{p}", host, st.integers(0, 70000)), st.text(max_size=12))
small = st.one_of(st.none(), st.integers(min_value=-1, max_value=5))
disruption_budget = st.builds(DisruptionBudget, max_unavailable=small, min_available=small)
grace = st.one_of(st.sampled_from([30, 299, 300, 600]), st.integers(min_value=-5, max_value=4000))
secret_source = st.one_of(
    st.builds(ExistingSecret),
    st.builds(
        ExternalSecrets,
        store_name=st.one_of(st.just("gorax-secrets-store"), dns_label, st.text(max_size=6)),
        store_kind=st.sampled_from(["ClusterSecretStore", "SecretStore", "Vault"]),
        remote_key_prefix=st.one_of(st.sampled_from(["gorax/prod", "gorax/dev", "a//b"]), st.text(max_size=6)),
        refresh_interval=st.sampled_from(["1h", "15m", "1h30m", "soon", ""]),
    ),
)
migration = st.builds(
    Migration,
    backoff_limit=st.integers(min_value=-1, max_value=6),
    active_deadline_seconds=st.integers(min_value=-1, max_value=3600),
    ttl_seconds_after_finished=st.integers(min_value=-1, max_value=86400),
)
tag = st.one_of(st.sampled_from(["v1.2.3", "latest", "", "dev", "1.0.0-rc.1"]), st.text(max_size=8))


@st.composite
def component(draw: st.DrawFn, base):  # type: ignore[no-untyped-def]
    return replace(
        base,
        image=Image(repository=base.image.repository, tag=draw(tag)),
        resources=Resources(
            cpu_request=draw(cpu), cpu_limit=draw(cpu), memory_request=draw(memory), memory_limit=draw(memory)
        ),
        autoscaling=Autoscaling(
            min_replicas=draw(replicas),
            max_replicas=draw(replicas),
            cpu_utilization=draw(percent),
            memory_utilization=draw(percent),
        ),
        disruption_budget=draw(disruption_budget),
        termination_grace_seconds=draw(grace),
    )


@st.composite
def host_edge(draw: st.DrawFn, base):  # type: ignore[no-untyped-def]
    return replace(
        base,
        requests_per_second=draw(positive),
        burst_multiplier=draw(positive),
        connections=draw(positive),
        read_timeout_seconds=draw(st.integers(min_value=0, max_value=4000)),
        cors=draw(st.booleans()),
    )


@st.composite
def edge(draw: st.DrawFn, base):  # type: ignore[no-untyped-def]
    return replace(base, mode=draw(edge_mode), api=draw(host_edge(base.api)), webhooks=draw(host_edge(base.webhooks)))


@st.composite
def environment_overrides(draw: st.DrawFn, base: EnvironmentConfig) -> dict[str, object]:
    return {
        "api_host": draw(host),
        "webhooks_host": draw(host),
        "api": draw(component(base.api)),
        "worker": draw(component(base.worker)),
        "cors": replace(base.cors, allowed_origins=tuple(draw(st.lists(origin, min_size=0, max_size=3)))),
        "tracing": replace(
            base.tracing,
            sample_ratio=draw(st.one_of(st.floats(min_value=-0.5, max_value=1.5), st.just(float("nan")))),
            endpoint=draw(st.one_of(st.just(base.tracing.endpoint), endpoint)),
        ),
        "monitoring": replace(base.monitoring, scrape_interval=draw(duration), scrape_timeout=draw(duration)),
        "worker_concurrency": draw(st.integers(min_value=-1, max_value=2000)),
        "edge": draw(edge(base.edge)),
        "network": replace(
            base.network,
            private_ranges=tuple(draw(st.lists(cidr, max_size=3))),
            database=replace(base.network.database, cidrs=tuple(draw(st.lists(cidr, max_size=2))), namespace_labels=())
            if draw(st.booleans())
            else base.network.database,
        ),
        "secrets": draw(secret_source),
        "migration": draw(migration),
        "zone_spread": draw(st.booleans()),
    }


@st.composite
def environment_configs(draw: st.DrawFn) -> tuple[EnvironmentConfig, dict[str, object]]:
    """A base environment and overrides to apply to it (applying them may raise ConfigError)."""
    base = draw(st.sampled_from(ENVIRONMENTS))
    return base, draw(environment_overrides(base))
