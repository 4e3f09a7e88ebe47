"""Workload identity: which cloud identity the pods' ServiceAccount carries (off by default).

The deployment guide's option 3 annotates the ``gorax`` ServiceAccount so that
pods obtain short-lived cloud credentials instead of a stored key:

- ``AwsIrsa``: EKS IAM Roles for Service Accounts, annotation ``eks.amazonaws.com/role-arn``. The EKS pod
  identity webhook projects a token into the pods; the AWS SDK exchanges it at the regional STS endpoint
  (``sts.<region>.amazonaws.com``, HTTPS).
- ``GkeWorkloadIdentity``: annotation ``iam.gke.io/gcp-service-account``. The SDK asks the GKE metadata
  server (169.254.169.254:80, intercepted on the node; 169.254.169.252:988 on clusters without Dataplane V2).
- ``AzureWorkloadIdentity``: annotation ``azure.workload.identity/client-id`` (and ``tenant-id``) plus the
  pod label ``azure.workload.identity/use: "true"``, which the Azure webhook requires to inject the token;
  the SDK exchanges it at Microsoft Entra ID (``login.microsoftonline.com``, HTTPS).

The secret path needs no egress from the pods: the CSI driver's provider (and External Secrets, Sealed
Secrets) fetch from their own namespaces. Pods that call cloud APIs themselves (SQS with
``QUEUE_ENABLED``) opt in with ``cloud_apis=CloudApis(cidrs=...)``, the same shape on all three clouds:
``egress`` is then exactly the named CIDRs (plus, on GKE, the metadata server that hands out the token),
for the API and worker pods; without it nothing is opened. Never every public address: a NetworkPolicy
cannot name a host, so the user names the endpoints' addresses (docs/secrets-and-identity.md, "Workload
identity"). None of these tokens needs ``automountServiceAccountToken`` (the webhooks project their own
token volume; GKE identifies the pod by its IP).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from .errors import Problem
from .fieldtypes import is_port

Provider = Literal["aws", "gcp", "azure"]
NARROWEST_PREFIX = {4: 16, 6: 32}
"""``CloudApis.cidrs`` are the endpoints' addresses: nothing broader than a /16 (IPv6: /32)."""

ROLE_ARN = re.compile(r"arn:aws(?:-cn|-us-gov)?:iam::[0-9]{12}:role/(?:[\x21-\x7e]+/)?[A-Za-z0-9+=,.@_-]{1,64}")
# GCP service-account ids and project ids: 6-30 characters, lowercase letters, digits and '-'.
GCP_SERVICE_ACCOUNT = re.compile(
    r"[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z][a-z0-9-]{4,28}[a-z0-9]\.iam\.gserviceaccount\.com"
)
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass(frozen=True)
class Egress:
    """One allowance an identity needs: TCP ``port`` to ``cidr``."""

    port: int
    cidr: str


@dataclass(frozen=True, kw_only=True)
class CloudApis:
    """The cloud API endpoints the API and worker pods call with their identity (opt-in, every cloud alike).

    Attributes:
        cidrs: the endpoints' addresses, e.g. the subnet of AWS interface endpoints for ``sts`` and ``sqs``,
            Google's ``private.googleapis.com`` (199.36.153.8/30) or a Private Service Connect address,
            Azure private endpoints and the ``AzureActiveDirectory`` service tag ranges (Entra ID token
            exchange). Each /16 or narrower (IPv6 /32).
        ports: TCP ports on them; default 443.
    """

    cidrs: tuple[str, ...]
    ports: tuple[int, ...] = (443,)

    def problems(self) -> Iterator[Problem]:
        if not self.cidrs:
            yield Problem("cidrs", self.cidrs, "at least one CIDR of the endpoints the pods call")
        for cidr in self.cidrs:
            try:
                network = ipaddress.ip_network(cidr)
            except (TypeError, ValueError):
                network = None
            if network is None or network.prefixlen < NARROWEST_PREFIX[network.version]:
                yield Problem("cidrs", cidr, "a CIDR of the endpoints, /16 or narrower (IPv6 /32), host bits zero")
        for port in self.ports:
            if not is_port(port):
                yield Problem("ports", port, "ports from 1 to 65535")

    def egress(self) -> tuple[Egress, ...]:
        return tuple(Egress(port, cidr) for cidr in self.cidrs for port in self.ports)


def _cloud_api_problems(cloud_apis: CloudApis | None) -> Iterator[Problem]:
    if cloud_apis is not None:
        yield from (p.under("cloud_apis") for p in cloud_apis.problems())


@dataclass(frozen=True, kw_only=True)
class AwsIrsa:
    """EKS IAM Roles for Service Accounts.

    Attributes:
        role_arn: the IAM role the pods assume, ``arn:aws:iam::<12-digit account>:role/<name>``.
        cloud_apis: the AWS endpoints the pods call, the regional STS endpoint among them (the SDK
            exchanges the token there); default none.
    """

    role_arn: str
    cloud_apis: CloudApis | None = None
    provider: Provider = "aws"

    def problems(self) -> Iterator[Problem]:
        if self.provider != "aws":
            yield Problem("provider", self.provider, "'aws' (fixed for AwsIrsa)")
        if not isinstance(self.role_arn, str) or not ROLE_ARN.fullmatch(self.role_arn):
            yield Problem("role_arn", self.role_arn, "an IAM role ARN such as 'arn:aws:iam::123456789012:role/gorax'")
        yield from _cloud_api_problems(self.cloud_apis)

    @property
    def annotations(self) -> dict[str, str]:
        return {"eks.amazonaws.com/role-arn": self.role_arn}

    @property
    def pod_labels(self) -> dict[str, str]:
        return {}

    @property
    def egress(self) -> tuple[Egress, ...]:
        return self.cloud_apis.egress() if self.cloud_apis else ()


@dataclass(frozen=True, kw_only=True)
class GkeWorkloadIdentity:
    """GKE Workload Identity.

    Attributes:
        service_account: the Google service account, ``<name>@<project>.iam.gserviceaccount.com``.
        cloud_apis: the Google API endpoints the pods call; with it the pods also reach the metadata
            server, where the token comes from. Default none.
    """

    service_account: str
    cloud_apis: CloudApis | None = None
    provider: Provider = "gcp"

    def problems(self) -> Iterator[Problem]:
        if self.provider != "gcp":
            yield Problem("provider", self.provider, "'gcp' (fixed for GkeWorkloadIdentity)")
        if not isinstance(self.service_account, str) or not GCP_SERVICE_ACCOUNT.fullmatch(self.service_account):
            yield Problem(
                "service_account",
                self.service_account,
                "a Google service account email such as 'gorax-app@my-project.iam.gserviceaccount.com'",
            )
        yield from _cloud_api_problems(self.cloud_apis)

    @property
    def annotations(self) -> dict[str, str]:
        return {"iam.gke.io/gcp-service-account": self.service_account}

    @property
    def pod_labels(self) -> dict[str, str]:
        return {}

    @property
    def egress(self) -> tuple[Egress, ...]:
        if not self.cloud_apis:
            return ()
        # GKE's "Authenticate to Google Cloud APIs from GKE workloads": with network policy enforcement,
        # allow the metadata server, 169.254.169.254/32 port 80 (Dataplane V2) or 169.254.169.252/32 port 988.
        return (Egress(80, "169.254.169.254/32"), Egress(988, "169.254.169.252/32"), *self.cloud_apis.egress())


@dataclass(frozen=True, kw_only=True)
class AzureWorkloadIdentity:
    """Azure (Microsoft Entra) Workload Identity.

    Attributes:
        client_id: the managed identity's or app registration's client id (a UUID).
        tenant_id: the Entra tenant (a UUID); the webhook defaults to the cluster's tenant, the CSI provider
            needs it explicitly.
        cloud_apis: the Azure endpoints the pods call, Entra ID's addresses among them (the SDK exchanges
            the token at ``login.microsoftonline.com``); default none.
    """

    client_id: str
    tenant_id: str
    cloud_apis: CloudApis | None = None
    provider: Provider = "azure"

    def problems(self) -> Iterator[Problem]:
        if self.provider != "azure":
            yield Problem("provider", self.provider, "'azure' (fixed for AzureWorkloadIdentity)")
        for name in ("client_id", "tenant_id"):
            value = getattr(self, name)
            if not isinstance(value, str) or not UUID.fullmatch(value):
                yield Problem(name, value, "a lowercase UUID such as '00000000-1111-2222-3333-444444444444'")
        yield from _cloud_api_problems(self.cloud_apis)

    @property
    def annotations(self) -> dict[str, str]:
        return {
            "azure.workload.identity/client-id": self.client_id,
            "azure.workload.identity/tenant-id": self.tenant_id,
        }

    @property
    def pod_labels(self) -> dict[str, str]:
        # The Azure Workload Identity webhook mutates only pods carrying this label.
        return {"azure.workload.identity/use": "true"}

    @property
    def egress(self) -> tuple[Egress, ...]:
        return self.cloud_apis.egress() if self.cloud_apis else ()


WorkloadIdentity = AwsIrsa | GkeWorkloadIdentity | AzureWorkloadIdentity
IDENTITY_TYPES = (AwsIrsa, GkeWorkloadIdentity, AzureWorkloadIdentity)
