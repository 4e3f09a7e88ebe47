"""The cdk8s constructs of a Gorax environment, one module per concern, and ``EnvironmentChart``
composing them. Each takes the configuration slice it needs and exposes what the others need
(names, ports, the Secret's keys), so network policies and monitors are derived, never re-declared."""

from .appconfig import AppConfig, Setting, settings_for
from .argocd import ArgoCdApplications
from .chart import EnvironmentChart
from .edge import Edge
from .manifest import ChartPart, ManifestChart
from .migration import MigrationJob
from .network import NetworkPolicies
from .observability import Observability, Signals
from .platform import Platform
from .quota import NamespaceQuota
from .secrets import Secrets
from .workloads import ApiService, WorkerPool

__all__ = [
    "ApiService",
    "AppConfig",
    "ArgoCdApplications",
    "ChartPart",
    "Edge",
    "EnvironmentChart",
    "ManifestChart",
    "MigrationJob",
    "NamespaceQuota",
    "NetworkPolicies",
    "Observability",
    "Platform",
    "Secrets",
    "Setting",
    "Signals",
    "WorkerPool",
    "settings_for",
]
