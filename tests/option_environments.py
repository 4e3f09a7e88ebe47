"""Test-only environments that exercise every secret source, identity and scaling mode the permanent
environments do not use (the deployment guide's other options). They go through the same snapshot, policy
and CRD validation tests as the catalog (``conftest.environment``), so each option is synthesized and
checked; none of them is deployed anywhere."""

from __future__ import annotations

from dataclasses import replace

from gorax_constructs.configuration.identity import AwsIrsa, AzureWorkloadIdentity, CloudApis, GkeWorkloadIdentity
from gorax_constructs.configuration.model import EnvironmentConfig, QueueDepth
from gorax_constructs.configuration.secrets import KEYS, CsiSecretStore, SealedSecrets
from gorax_constructs.environments import STAGING


def _option(name: str, **changes: object) -> EnvironmentConfig:
    return replace(
        STAGING,
        name=name,
        prefix=name,
        namespace=f"gorax-{name}",
        api_host=f"api.{name}.gorax.io",
        webhooks_host=f"webhooks.{name}.gorax.io",
        **changes,
    )


def _queue(implementation: str, target: int) -> object:
    return replace(
        STAGING.worker,
        autoscaling=replace(
            STAGING.worker.autoscaling,
            queue_depth=QueueDepth(target_per_worker=target, implementation=implementation),
        ),
    )


SEALED = _option(
    "opt-sealed",
    secrets=SealedSecrets(file="tests/fixtures/sealed-secrets/opt-sealed.yaml"),
    worker=_queue("keda", 20),
)
"""Sealed Secrets, no cloud identity, workers scaled by KEDA on queue depth."""

AWS = _option(
    "opt-aws",
    # The pods call STS and SQS through interface VPC endpoints in this subnet (identity.CloudApis).
    identity=AwsIrsa(
        role_arn="arn:aws:iam::123456789012:role/gorax-opt-aws", cloud_apis=CloudApis(cidrs=("10.0.64.0/24",))
    ),
    secrets=CsiSecretStore(provider="aws", objects=tuple((k, f"gorax/opt-aws/{k}") for k in KEYS)),
    worker=_queue("prometheus-adapter", 10),
)
"""AWS Secrets Manager through the CSI driver with IRSA; HPA on an External metric from Prometheus Adapter."""

GCP = _option(
    "opt-gcp",
    identity=GkeWorkloadIdentity(service_account="gorax-opt@my-project.iam.gserviceaccount.com"),
    secrets=CsiSecretStore(
        provider="gcp", objects=tuple((k, f"projects/my-project/secrets/gorax-{k}/versions/latest") for k in KEYS)
    ),
)
"""GCP Secret Manager through the CSI driver with GKE Workload Identity; CPU/memory scaling."""

AZURE = _option(
    "opt-azure",
    identity=AzureWorkloadIdentity(
        client_id="0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", tenant_id="11111111-2222-3333-4444-555555555555"
    ),
    secrets=CsiSecretStore(provider="azure", objects=tuple((k, f"gorax-{k}") for k in KEYS), keyvault_name="gorax-kv"),
    worker=_queue("keda", 5),
)
"""Azure Key Vault through the CSI driver with Azure Workload Identity; KEDA on queue depth."""

OPTION_ENVIRONMENTS: tuple[EnvironmentConfig, ...] = (SEALED, AWS, GCP, AZURE)
