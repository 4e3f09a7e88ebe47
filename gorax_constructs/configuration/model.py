"""Typed, validated configuration of one Gorax environment.

Every section is a frozen, keyword-only dataclass. A section reports what is
wrong with it through ``problems()``; ``EnvironmentConfig.__post_init__``
collects those (with the section's field path) plus the cross-field rules and
raises one ``ConfigError`` that names the environment. Constructs downstream
assume a valid config and do no checking of their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from .application import Cors, DatabasePool, Migration
from .components import Autoscaling, ComponentConfig, DisruptionBudget, QueueDepth, Resources
from .contract import AppContract
from .dependencies import Postgres, Redis, SqsQueue, dependency_problems
from .dns import is_dns_label, is_dns_name, is_label_value
from .edge import EdgeConfig, WildcardTls
from .errors import ConfigError, Problem, brief
from .fieldtypes import all_problems
from .gitops import ArgoCdTarget
from .identity import IDENTITY_TYPES, WorkloadIdentity
from .image import Image  # noqa: F401 (re-exported: tests and users import it from here)
from .monitoring import MonitoringConfig
from .naming import NAMESPACE_NAME_LABEL
from .network import NetworkConfig
from .secrets import CSI_PROVIDERS, KEYS, REDIS_PASSWORD, CsiSecretStore, ExistingSecret, SecretSource
from .tracing import TracingConfig

__all__ = [
    "Autoscaling",
    "ComponentConfig",
    "Cors",
    "DatabasePool",
    "DisruptionBudget",
    "EnvironmentConfig",
    "Migration",
    "QueueDepth",
    "Resources",
    "check_unique",
]
"""The sections users import from here (``environments.py``), wherever they are defined."""

Tier = Literal["development", "staging", "production"]
TIERS: tuple[Tier, ...] = ("development", "staging", "production")
AlertTier = Literal["development", "staging", "production", "preview"]
"""The ``tier`` label of every alert: a preview is a development-tier environment, alerted on as ``preview``."""
LogLevel = Literal["debug", "info", "warn", "error"]
LOG_LEVELS: tuple[LogLevel, ...] = ("debug", "info", "warn", "error")

LABEL_KEY = re.compile(r"(?:[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?")
PLATFORM_NAMESPACES = ("default", "argocd", "cert-manager", "ingress-nginx", "monitoring", "observability")
"""Namespaces the cluster or its platform owns (besides ``kube-*`` and those the configuration names): an
environment there would put a restricted Namespace and a default-deny NetworkPolicy over their pods."""


@dataclass(frozen=True, kw_only=True)
class EnvironmentConfig:
    """Everything that distinguishes one Gorax environment from another.

    Attributes:
        name: environment name; also the chart id and the ``dist/<name>/`` folder.
        tier: which rules apply (development allows mutable tags and ``*`` CORS).
        secrets: where the pods' Secret comes from (default: created out of band).
        identity: the cloud workload identity of the pods' ServiceAccount (default none; ``identity.py``).
        zone_spread: spread each component's pods across zones and nodes (default off).
        prefix: the guide's object-name prefix (``dev`` gives ``dev-gorax-api``).
        namespace: the Kubernetes namespace everything lives in.
        api_host / webhooks_host: the two public host names.
        extra_labels: labels added to every object (previews carry their owner and expiry).
        preview: set by ``previews.py`` only: a short-lived copy of development for one pull request.
            Its alerts and series are labelled ``tier: preview`` and it carries no dashboard or rules
            of its own (see ``monitoring.preview_monitoring``); its Namespace is deleted with its
            Application, and a ResourceQuota and LimitRange bound it so one preview cannot starve the
            others. A permanent environment's Namespace survives an Application deletion (sync
            options ``Delete=false,Prune=false``).
        argocd: the Argo CD cluster and project it is deployed to (see ``gitops.py``).
        edge: how the hosts are served (see ``edge.py``); network: NetworkPolicy peers (see ``network.py``).
    """

    name: str
    tier: Tier
    prefix: str
    namespace: str
    api_host: str
    webhooks_host: str
    api: ComponentConfig
    worker: ComponentConfig
    cors: Cors
    edge: EdgeConfig
    network: NetworkConfig = field(default_factory=NetworkConfig)
    log_level: LogLevel = "info"
    log_format: Literal["json", "text"] = "json"
    worker_concurrency: int = 10
    workflow_timeout_seconds: int = 300
    max_workflow_execution_seconds: int = 3600
    database: DatabasePool = field(default_factory=DatabasePool)
    tracing: TracingConfig = field(default_factory=TracingConfig)
    monitoring: MonitoringConfig = field(default_factory=MonitoringConfig)
    features: tuple[tuple[str, bool], ...] = (
        ("webhook-replay", True),
        ("workflow-versioning", True),
        ("advanced-filtering", True),
    )
    extra_labels: tuple[tuple[str, str], ...] = ()
    secrets: SecretSource = field(default_factory=ExistingSecret)
    identity: WorkloadIdentity | None = None
    migration: Migration = field(default_factory=Migration)
    zone_spread: bool = False
    preview: bool = False
    argocd: ArgoCdTarget = field(default_factory=ArgoCdTarget)
    contract: AppContract = field(default_factory=AppContract)
    postgres: Postgres | None = None
    redis: Redis | None = None
    queue: SqsQueue | None = None

    def __post_init__(self) -> None:
        # The rules assume each field has the right shape (a tuple, a section of the right class).
        problems = all_problems(self, self.problems)
        if problems:
            raise ConfigError(self.name, problems)

    def foreign_namespaces(self) -> set[str]:
        """The namespaces of other systems: the platform's, and those this configuration names as peers."""
        named = {self.network.dns_namespace, self.edge.gateway.namespace}
        for peer in ("ingress_controller", "gateway", "monitoring", "database", "otel_collector"):
            labels = getattr(self.network, peer).namespace_labels
            named.update(value for key, value in labels if key == NAMESPACE_NAME_LABEL)
        return named | set(PLATFORM_NAMESPACES)

    @property
    def hosts(self) -> tuple[str, str]:
        return (self.api_host, self.webhooks_host)

    @property
    def secret_keys(self) -> tuple[str, ...]:
        """The keys the environment's Secret holds: ``redis-password`` only for a Redis with a password."""
        if self.redis is not None and not self.redis.password:
            return tuple(key for key in KEYS if key != REDIS_PASSWORD)
        return KEYS

    @property
    def alert_tier(self) -> AlertTier:
        """The ``tier`` label of the environment's alerts and scraped series."""
        return "preview" if self.preview else self.tier

    def problems(self) -> Iterator[Problem]:
        if not is_dns_label(self.name):
            yield Problem("name", self.name, "a DNS label: lowercase letters, digits and '-', at most 63")
        if self.tier not in TIERS:
            yield Problem("tier", self.tier, f"one of {', '.join(TIERS)}")
            return
        if not is_dns_label(self.prefix) or len(self.prefix) > 30:
            yield Problem("prefix", self.prefix, "a DNS label of at most 30 characters (object names grow from it)")
        if not is_dns_label(self.namespace):
            yield Problem("namespace", self.namespace, "a DNS label: lowercase letters, digits and '-', at most 63")
        elif self.namespace in self.foreign_namespaces() or self.namespace.startswith("kube-"):
            yield Problem("namespace", self.namespace, "a namespace of its own, not kube-* nor a platform namespace")
        for host_field in ("api_host", "webhooks_host"):
            if not is_dns_name(getattr(self, host_field)):
                yield Problem(host_field, getattr(self, host_field), "a lowercase DNS name such as 'api.gorax.io'")
        if self.api_host == self.webhooks_host:
            yield Problem("webhooks_host", self.webhooks_host, "a host different from api_host")
        yield from (p.under("api") for p in self.api.problems(self.tier))
        yield from (p.under("worker") for p in self.worker.problems(self.tier))
        yield from (p.under("cors") for p in self.cors.problems(self.tier))
        yield from (p.under("database") for p in self.database.problems())
        yield from (p.under("edge") for p in self.edge.problems())
        if isinstance(self.edge.tls, WildcardTls):
            for host_field in ("api_host", "webhooks_host"):
                if not self.edge.tls.covers(getattr(self, host_field)):
                    yield Problem(
                        host_field,
                        getattr(self, host_field),
                        f"a host that edge.tls.dns_names ({', '.join(self.edge.tls.dns_names)}) covers",
                    )
        yield from (p.under("argocd") for p in self.argocd.problems())
        yield from (p.under("network") for p in self.network.problems())
        if self.log_level not in LOG_LEVELS:
            yield Problem("log_level", self.log_level, f"one of {', '.join(LOG_LEVELS)}")
        if self.log_format not in ("json", "text"):
            yield Problem("log_format", self.log_format, "json or text")
        if not isinstance(self.worker_concurrency, int) or not 1 <= self.worker_concurrency <= 1000:
            yield Problem("worker_concurrency", self.worker_concurrency, "an integer from 1 to 1000")
        if not isinstance(self.workflow_timeout_seconds, int) or self.workflow_timeout_seconds < 1:
            yield Problem("workflow_timeout_seconds", self.workflow_timeout_seconds, "a positive integer")
        elif (
            not isinstance(self.max_workflow_execution_seconds, int)
            or self.max_workflow_execution_seconds < self.workflow_timeout_seconds
        ):
            yield Problem(
                "max_workflow_execution_seconds",
                self.max_workflow_execution_seconds,
                f"an integer of at least workflow_timeout_seconds ({self.workflow_timeout_seconds})",
            )
        yield from (p.under("tracing") for p in self.tracing.problems())
        yield from (p.under("monitoring") for p in self.monitoring.problems())
        grace = self.worker.termination_grace_seconds
        if (
            isinstance(self.workflow_timeout_seconds, int)
            and isinstance(grace, int)
            and 1 <= grace < self.workflow_timeout_seconds
        ):
            yield Problem(
                "worker.termination_grace_seconds",
                self.worker.termination_grace_seconds,
                f"at least workflow_timeout_seconds ({self.workflow_timeout_seconds}) so a running step can finish",
            )
        yield from (p.under("secrets") for p in self.secrets.problems(self.secret_keys))
        yield from self._identity_problems()
        yield from (p.under("contract") for p in self.contract.problems())
        yield from dependency_problems(self)
        if self.api.autoscaling.queue_depth is not None:
            yield Problem(
                "api.autoscaling.queue_depth",
                self.api.autoscaling.queue_depth,
                "None: only workers scale on queue depth",
            )
        yield from (p.under("migration") for p in self.migration.problems())
        for flag, enabled in self.features:
            if not is_dns_label(flag) or not isinstance(enabled, bool):
                yield Problem("features", (flag, enabled), "(lowercase-dashed-name, True/False) pairs")
        for key, value in self.extra_labels:
            if not LABEL_KEY.fullmatch(key) or not is_label_value(value):
                yield Problem("extra_labels", (key, value), "Kubernetes label keys and values (values at most 63)")
        if not isinstance(self.preview, bool):
            yield Problem("preview", self.preview, "True or False")
        elif self.preview and self.tier != "development":
            yield Problem(
                "preview", self.preview, f"False in a {self.tier}-tier environment: previews copy development"
            )
        elif self.preview and self.monitoring.preview_monitoring is True:
            yield Problem(
                "monitoring.preview_monitoring",
                True,
                "False in a preview: the previews' dashboard and rules live in one permanent environment",
            )

    def _identity_problems(self) -> Iterator[Problem]:
        if self.identity is not None:
            if not isinstance(self.identity, IDENTITY_TYPES):
                yield Problem("identity", self.identity, "AwsIrsa, GkeWorkloadIdentity, AzureWorkloadIdentity or None")
                return
            yield from (p.under("identity") for p in self.identity.problems())
        if isinstance(self.secrets, CsiSecretStore) and self.secrets.provider in CSI_PROVIDERS:
            provider = self.secrets.provider
            if self.identity is None:
                yield Problem(
                    "identity",
                    None,
                    f"a workload identity for '{provider}' (the CSI provider signs in as the pods' ServiceAccount)",
                )
            elif self.identity.provider != provider:
                yield Problem("secrets.provider", provider, f"the identity's provider '{self.identity.provider}'")


def check_unique(environments: tuple[EnvironmentConfig, ...]) -> None:
    """Names, namespaces, prefixes and hosts must not collide between environments; none is listed twice."""
    owners: dict[tuple[str, object], int] = {}
    for index, env in enumerate(environments):
        keys = [("name", env.name), ("namespace", env.namespace), ("prefix", env.prefix)]
        keys += [("host", host) for host in env.hosts]
        if env.monitoring.preview_monitoring is True:  # two would evaluate every preview's alerts twice
            keys.append(("monitoring.preview_monitoring", True))
        for field_name, value in keys:
            first = owners.setdefault((field_name, value), index)
            if first == index:
                continue
            owner = environments[first]
            if owner == env:
                listed_twice = f"environment {brief(env.name)} is listed twice in ENVIRONMENTS (environments.py)"
                raise ConfigError(env.name, [], label=listed_twice)
            allowed = f"a {field_name} not already used by environment '{owner.name}'"
            if field_name == "monitoring.preview_monitoring":
                allowed = f"False: environment '{owner.name}' already carries the previews' dashboard and rules"
            raise ConfigError(env.name, [Problem(field_name, value, allowed)])
