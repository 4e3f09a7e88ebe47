"""The typed, validated configuration of a Gorax environment: plain Python, no cdk8s.

Lowest layer: nothing here imports the constructs, the synth pipeline or cdk8s,
so loading the environments and previews starts no node process.
"""

from .edge import EdgeConfig, GatewayParent, HostEdge, IssuedTls, WildcardTls
from .errors import ConfigError, FileError, Problem
from .gitops import ArgoCdTarget, GitOpsConfig
from .identity import AwsIrsa, AzureWorkloadIdentity, CloudApis, GkeWorkloadIdentity, WorkloadIdentity
from .model import (
    Autoscaling,
    ComponentConfig,
    Cors,
    DatabasePool,
    DisruptionBudget,
    EnvironmentConfig,
    Image,
    Migration,
    QueueDepth,
    Resources,
    check_unique,
)
from .monitoring import AlertThresholds, ApplicationMetrics, MinimumTraffic, MonitoringConfig
from .naming import Naming
from .network import NetworkConfig, Peer
from .previews import Preview, preview_environment
from .secrets import CsiSecretStore, ExistingSecret, ExternalSecrets, SealedSecrets, SecretSource
from .tracing import TracingConfig

__all__ = [
    "AlertThresholds",
    "ApplicationMetrics",
    "ArgoCdTarget",
    "Autoscaling",
    "AwsIrsa",
    "AzureWorkloadIdentity",
    "CloudApis",
    "ComponentConfig",
    "ConfigError",
    "Cors",
    "CsiSecretStore",
    "DatabasePool",
    "DisruptionBudget",
    "EdgeConfig",
    "EnvironmentConfig",
    "ExistingSecret",
    "ExternalSecrets",
    "FileError",
    "GatewayParent",
    "GitOpsConfig",
    "GkeWorkloadIdentity",
    "HostEdge",
    "Image",
    "IssuedTls",
    "Migration",
    "MinimumTraffic",
    "MonitoringConfig",
    "Naming",
    "NetworkConfig",
    "Peer",
    "Preview",
    "Problem",
    "QueueDepth",
    "Resources",
    "SealedSecrets",
    "SecretSource",
    "TracingConfig",
    "WildcardTls",
    "WorkloadIdentity",
    "check_unique",
    "preview_environment",
]
