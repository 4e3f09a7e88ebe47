"""The tests' own catalog: environments, previews, images and GitOps settings built here from ``BASE`` and the
configuration types users use, never from the committed ``environments.py`` values, ``images.yaml`` or
``previews.yaml``.

Its three permanent environments are named like the usual tiers so that messages read naturally; every value
they hold is written here. Every example-based test (what a preview looks like, what an option emits, what a
tier changes) and every syrupy snapshot reads these, so a release, a new preview, a new environment or an
extension leaves them as they are. The committed catalog is checked only for invariants
(``conftest.environment``) and by the drift check (a fresh synth equals the committed ``dist/``).
"""

from __future__ import annotations

from dataclasses import replace

from gorax_constructs.configuration.contract import Metrics, Migrator
from gorax_constructs.configuration.dependencies import Redis, SqsQueue
from gorax_constructs.configuration.edge import HostEdge
from gorax_constructs.configuration.gitops import ArgoCdTarget, GitOpsConfig
from gorax_constructs.configuration.identity import AwsIrsa, AzureWorkloadIdentity, CloudApis, GkeWorkloadIdentity
from gorax_constructs.configuration.model import (
    Autoscaling,
    ComponentConfig,
    Cors,
    DatabasePool,
    DisruptionBudget,
    EnvironmentConfig,
    Image,
    QueueDepth,
    Resources,
)
from gorax_constructs.configuration.monitoring import ApplicationMetrics
from gorax_constructs.configuration.network import Peer
from gorax_constructs.configuration.previews import Preview, preview_environment
from gorax_constructs.configuration.secrets import KEYS, CsiSecretStore, ExistingSecret, ExternalSecrets, SealedSecrets
from gorax_constructs.environments import BASE
from gorax_constructs.pipeline.catalog import Catalog

API = "registry.example.test/gorax/api"
WORKER = "registry.example.test/gorax/worker"
MIGRATOR = "registry.example.test/gorax/migrate"


def images(component: ComponentConfig, repository: str, tag: str = "", digest: str = "") -> ComponentConfig:
    return replace(component, image=Image(repository=repository, tag=tag, digest=digest))


def _environment(name: str, tier: str, prefix: str, host: str, **changes: object) -> EnvironmentConfig:
    return replace(
        BASE,
        name=name,
        tier=tier,
        prefix=prefix,
        namespace=f"gorax-{prefix}",
        api_host=f"api.{host}",
        webhooks_host=f"webhooks.{host}",
        **changes,
    )


DEV = _environment(
    "development",
    "development",
    "dev",
    "dev.gorax.io",
    api=images(
        replace(BASE.api, autoscaling=replace(BASE.api.autoscaling, min_replicas=1, max_replicas=3)), API, "main"
    ),
    worker=images(
        replace(BASE.worker, autoscaling=replace(BASE.worker.autoscaling, min_replicas=1, max_replicas=4)),
        WORKER,
        "main",
    ),
    cors=Cors(allowed_origins=("http://localhost:3000",)),
    log_level="debug",
    tracing=replace(BASE.tracing, sample_ratio=1.0),
    secrets=ExistingSecret(),
    # Previews derive from this one: its chart carries the previews' dashboard and rule set.
    monitoring=replace(BASE.monitoring, preview_monitoring=True),
)
"""Development tier: mutable tag, one replica at rest, an existing Secret, the previews' monitoring."""

STAGING = _environment(
    "staging",
    "staging",
    "staging",
    "staging.gorax.io",
    api=images(BASE.api, API, "v0.9.0-rc.2"),
    worker=images(BASE.worker, WORKER, "v0.9.0-rc.2"),
    cors=Cors(allowed_origins=("https://staging.fixture.test",)),
    tracing=replace(BASE.tracing, sample_ratio=0.5),
    secrets=ExternalSecrets(store_name="fixture-store", remote_key_prefix="fixture/staging"),
)
"""Staging tier: a release candidate, External Secrets."""

PRODUCTION = _environment(
    "production",
    "production",
    "prod",
    "gorax.io",
    api=replace(
        images(BASE.api, API, digest="sha256:" + "a" * 64),
        autoscaling=Autoscaling(min_replicas=3, max_replicas=12, cpu_utilization=60, memory_utilization=80),
        disruption_budget=DisruptionBudget(max_unavailable=None, min_available=2),
    ),
    worker=replace(
        images(BASE.worker, WORKER, "3f9c2e1"),
        resources=Resources(cpu_request="500m", cpu_limit="2", memory_request="1Gi", memory_limit="2Gi"),
        autoscaling=Autoscaling(min_replicas=3, max_replicas=24, cpu_utilization=70, memory_utilization=85),
        disruption_budget=DisruptionBudget(max_unavailable=None, min_available=2),
    ),
    cors=Cors(allowed_origins=("https://app.fixture.test",)),
    log_level="warn",
    tracing=replace(BASE.tracing, sample_ratio=0.1),
    database=DatabasePool(max_open_conns=40, max_idle_conns=20),
    secrets=ExternalSecrets(store_name="fixture-store", remote_key_prefix="fixture/production"),
    edge=replace(BASE.edge, api=HostEdge(requests_per_second=200, burst_multiplier=4, connections=80)),
    zone_spread=True,
    argocd=ArgoCdTarget(cluster="fixture-prod-1", project="fixture-production"),
    # The API is pinned by digest only: the migrator cannot follow its tag and names its own digest.
    contract=replace(BASE.contract, migration=Migrator(image=Image(repository=MIGRATOR, digest="sha256:" + "b" * 64))),
)
"""Production tier: a digest and a commit-SHA tag, PDBs with ``min_available``, zone spread, its own cluster
and project."""

PERMANENT: tuple[EnvironmentConfig, ...] = (DEV, STAGING, PRODUCTION)

PREVIEW_REQUESTS = (
    Preview(name="pr-7", owner="fixture-bot", expires="2099-01-31", api_tag="pr-7", worker_tag="pr-7"),
    Preview(name="pr-feature-x", owner="alice", expires="2099-02-28"),
)
PREVIEWS: tuple[EnvironmentConfig, ...] = tuple(preview_environment(p, DEV) for p in PREVIEW_REQUESTS)
"""Two previews: one with its own tags, one running development's images."""

GITOPS = GitOpsConfig(repo_url="https://git.example.test/platform/gorax-fixture.git", target_revision="trunk")

CATALOG = Catalog(permanent=PERMANENT, previews=PREVIEWS, gitops=GITOPS, development=DEV)


def option_environment(name: str, **changes: object) -> EnvironmentConfig:
    """The fixture's staging under another name, namespace and hosts, with ``changes``."""
    return replace(
        STAGING,
        name=name,
        prefix=name,
        namespace=f"gorax-{name}",
        api_host=f"api.{name}.fixture.test",
        webhooks_host=f"webhooks.{name}.fixture.test",
        **changes,
    )


def with_queue(implementation: str, target: int) -> ComponentConfig:
    return replace(
        STAGING.worker,
        autoscaling=replace(
            STAGING.worker.autoscaling,
            queue_depth=QueueDepth(target_per_worker=target, implementation=implementation),
        ),
    )


SEALED = option_environment(
    "opt-sealed",
    secrets=SealedSecrets(file="tests/fixtures/sealed-secrets/opt-sealed.yaml"),
    worker=with_queue("keda", 20),
)
"""Sealed Secrets, no cloud identity, workers scaled by KEDA on queue depth."""

AWS = option_environment(
    "opt-aws",
    # The pods call STS and SQS through interface VPC endpoints in this subnet (identity.CloudApis).
    identity=AwsIrsa(
        role_arn="arn:aws:iam::123456789012:role/gorax-opt-aws", cloud_apis=CloudApis(cidrs=("10.0.64.0/24",))
    ),
    secrets=CsiSecretStore(provider="aws", objects=tuple((k, f"gorax/opt-aws/{k}") for k in KEYS)),
    worker=with_queue("prometheus-adapter", 10),
    # A build whose worker serves /metrics with gorax_queue_depth: the PodMonitor and the queue alerts.
    monitoring=replace(STAGING.monitoring, application_metrics=ApplicationMetrics(worker=True, queue_depth=True)),
)
"""AWS Secrets Manager through the CSI driver with IRSA; HPA on an External metric from Prometheus Adapter, fed by
a build that exports the queue depth (its worker scraped)."""

GCP = option_environment(
    "opt-gcp",
    identity=GkeWorkloadIdentity(service_account="gorax-opt@my-project.iam.gserviceaccount.com"),
    secrets=CsiSecretStore(
        provider="gcp", objects=tuple((k, f"projects/my-project/secrets/gorax-{k}/versions/latest") for k in KEYS)
    ),
)
"""GCP Secret Manager through the CSI driver with GKE Workload Identity; CPU/memory scaling."""

AZURE = option_environment(
    "opt-azure",
    identity=AzureWorkloadIdentity(
        client_id="0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", tenant_id="11111111-2222-3333-4444-555555555555"
    ),
    secrets=CsiSecretStore(provider="azure", objects=tuple((k, f"gorax-{k}") for k in KEYS), keyvault_name="gorax-kv"),
    worker=with_queue("keda", 5),
)
"""Azure Key Vault through the CSI driver with Azure Workload Identity; KEDA on queue depth."""

SQS = option_environment(
    "opt-sqs",
    identity=AwsIrsa(role_arn="arn:aws:iam::123456789012:role/gorax-opt-sqs"),
    secrets=CsiSecretStore(provider="aws", objects=tuple((k, f"gorax/opt-sqs/{k}") for k in KEYS)),
    queue=SqsQueue(
        queue_url="https://sqs.eu-west-1.amazonaws.com/123456789012/gorax-opt-sqs",
        dlq_url="https://sqs.eu-west-1.amazonaws.com/123456789012/gorax-opt-sqs-dlq",
        endpoint=Peer(cidrs=("10.40.0.0/24",)),
    ),
    redis=Redis(host="gorax-opt-sqs.abc123.euw1.cache.amazonaws.com", db=2, peer=Peer(cidrs=("10.40.1.0/24",))),
    contract=replace(
        STAGING.contract, worker=replace(STAGING.contract.worker, metrics=Metrics(port=9090, path="/metrics"))
    ),
    worker=with_queue("keda-aws-sqs", 10),
)
"""The worker on an SQS queue (through a VPC endpoint) with IRSA, scaled by KEDA's aws-sqs-queue scaler; Redis
outside the cluster (ElastiCache, by CIDR); a build whose workers serve metrics on a port of their own."""

OPTION_ENVIRONMENTS: tuple[EnvironmentConfig, ...] = (SEALED, AWS, GCP, AZURE, SQS)
"""Every secret source, identity and scaling mode the fixture's permanent environments do not use."""
