"""The permanent Gorax environments: one base, and what each environment changes.

Read it like the old kustomize overlays: ``BASE`` is the base, and each
environment is ``replace(BASE, ...)`` with only its differences. Values come
from the deployment guide. The image each environment runs comes from
``images.yaml`` (``IMAGES``), which releases change with ``bin/gorax image set``.
"""

from __future__ import annotations

from dataclasses import replace

from .configuration.contract import AppContract, Migrator
from .configuration.dependencies import Postgres, Redis
from .configuration.edge import EdgeConfig, HostEdge
from .configuration.gitops import GitOpsConfig
from .configuration.images import load_images
from .configuration.model import (
    Autoscaling,
    ComponentConfig,
    Cors,
    DatabasePool,
    DisruptionBudget,
    EnvironmentConfig,
    Resources,
    check_unique,
)
from .configuration.secrets import ExistingSecret, ExternalSecrets

# Upstream releases one image holding both binaries (its .github/workflows/deploy-production.yml pushes the
# root Dockerfile's build to ghcr.io/<owner>/<repo>): the API and the workers run the same repository and tag.
APP_IMAGE = "ghcr.io/gorax/gorax"
# No published image contains a migrator: ours is built from cmd/migrate (docs/migration.md, "Building the
# migrator image") and pushed with the release's tag, which the Job runs.
MIGRATOR_IMAGE = "ghcr.io/gorax/gorax-migrate"
IMAGES = load_images(repositories={"api": APP_IMAGE, "worker": APP_IMAGE})

BASE = EnvironmentConfig(
    name="base",
    tier="development",
    prefix="base",
    namespace="gorax-base",
    api_host="api.base.gorax.io",
    webhooks_host="webhooks.base.gorax.io",
    api=ComponentConfig(
        image=IMAGES.of("development").api,
        resources=Resources(cpu_request="250m", cpu_limit="500m", memory_request="256Mi", memory_limit="512Mi"),
        autoscaling=Autoscaling(min_replicas=2, max_replicas=10, cpu_utilization=70, memory_utilization=80),
    ),
    worker=ComponentConfig(
        image=IMAGES.of("development").worker,
        resources=Resources(cpu_request="500m", cpu_limit="1", memory_request="512Mi", memory_limit="1Gi"),
        autoscaling=Autoscaling(min_replicas=2, max_replicas=20, cpu_utilization=75, memory_utilization=85),
        termination_grace_seconds=300,
    ),
    cors=Cors(allowed_origins=("https://app.gorax.io",)),
    # Every host is public: certificates from a trusted issuer (IssuedTls defaults to letsencrypt-prod),
    # development's included. Previews share the platform's wildcard instead (configuration/previews.py).
    edge=EdgeConfig(
        api=HostEdge(requests_per_second=100, burst_multiplier=5, connections=50),
        # Webhook senders retry in bursts and post large payloads slowly: more burst, long timeouts, no CORS.
        webhooks=HostEdge(
            requests_per_second=50,
            burst_multiplier=10,
            connections=100,
            read_timeout_seconds=300,
            send_timeout_seconds=300,
            cors=False,
        ),
    ),
    secrets=ExistingSecret(),
    contract=AppContract(migration=Migrator(repository=MIGRATOR_IMAGE)),
    # The platform's PostgreSQL in each cluster (namespace "postgres", network.database's default peer).
    postgres=Postgres(host="postgres.postgres.svc.cluster.local"),
    # The platform's Redis in each cluster (a Service in namespace "redis"; the NetworkPolicies open exactly it).
    redis=Redis(address="redis-master.redis.svc.cluster.local:6379"),
)

DEVELOPMENT = replace(
    BASE,
    name="development",
    prefix="dev",
    namespace="gorax-dev",
    api_host="api.dev.gorax.io",
    webhooks_host="webhooks.dev.gorax.io",
    api=replace(
        BASE.api,
        resources=Resources(cpu_request="100m", cpu_limit="250m", memory_request="128Mi", memory_limit="256Mi"),
        autoscaling=replace(BASE.api.autoscaling, min_replicas=1, max_replicas=2),
    ),
    worker=replace(
        BASE.worker,
        resources=Resources(cpu_request="200m", cpu_limit="500m", memory_request="256Mi", memory_limit="512Mi"),
        autoscaling=replace(BASE.worker.autoscaling, min_replicas=1, max_replicas=2),
    ),
    cors=replace(BASE.cors, allowed_origins=("http://localhost:3000", "http://localhost:5173")),
    log_level="debug",
    worker_concurrency=5,
    tracing=replace(BASE.tracing, sample_ratio=1.0),
    # Previews derive from development: its chart carries the one dashboard and rule set for all of them.
    monitoring=replace(BASE.monitoring, preview_monitoring=True),
)

STAGING = replace(
    BASE,
    name="staging",
    tier="staging",
    prefix="staging",
    namespace="gorax-staging",
    api_host="api.staging.gorax.io",
    webhooks_host="webhooks.staging.gorax.io",
    api=replace(
        BASE.api,
        image=IMAGES.of("staging").api,
        resources=Resources(cpu_request="200m", cpu_limit="400m", memory_request="192Mi", memory_limit="384Mi"),
        autoscaling=replace(BASE.api.autoscaling, min_replicas=2, max_replicas=6),
    ),
    worker=replace(
        BASE.worker,
        image=IMAGES.of("staging").worker,
        resources=Resources(cpu_request="400m", cpu_limit="800m", memory_request="384Mi", memory_limit="768Mi"),
        autoscaling=replace(BASE.worker.autoscaling, min_replicas=2, max_replicas=10),
    ),
    cors=replace(BASE.cors, allowed_origins=("https://staging.gorax.io",)),
    log_level="info",
    worker_concurrency=8,
    tracing=replace(BASE.tracing, sample_ratio=0.5),
    secrets=ExternalSecrets(store_name="gorax-secrets-store", remote_key_prefix="gorax/staging"),
)

PRODUCTION = replace(
    BASE,
    name="production",
    tier="production",
    prefix="prod",
    namespace="gorax-prod",
    api_host="api.gorax.io",
    webhooks_host="webhooks.gorax.io",
    api=replace(
        BASE.api,
        image=IMAGES.of("production").api,
        autoscaling=replace(BASE.api.autoscaling, min_replicas=3, max_replicas=20, cpu_utilization=60),
        disruption_budget=DisruptionBudget(max_unavailable=None, min_available=2),
    ),
    worker=replace(
        BASE.worker,
        image=IMAGES.of("production").worker,
        autoscaling=replace(BASE.worker.autoscaling, min_replicas=3, max_replicas=30, cpu_utilization=70),
        disruption_budget=DisruptionBudget(max_unavailable=None, min_available=2),
    ),
    cors=replace(BASE.cors, allowed_origins=("https://app.gorax.io", "https://gorax.io")),
    log_level="warn",
    worker_concurrency=10,
    tracing=replace(BASE.tracing, sample_ratio=0.1),
    database=DatabasePool(max_open_conns=50, max_idle_conns=25),
    secrets=ExternalSecrets(store_name="gorax-secrets-store", remote_key_prefix="gorax/prod"),
    zone_spread=True,
)

ENVIRONMENTS: tuple[EnvironmentConfig, ...] = (DEVELOPMENT, STAGING, PRODUCTION)
check_unique(ENVIRONMENTS)
IMAGES.check(ENVIRONMENTS)

GITOPS = GitOpsConfig(repo_url="https://github.com/gorax/gorax-environments.git")
