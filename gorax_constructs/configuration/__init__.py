"""The typed, validated configuration of a Gorax environment: plain Python, no cdk8s.

Lowest layer: nothing here imports the constructs, the synth pipeline or cdk8s,
so loading the environments and previews starts no node process.
"""

from .edge import EdgeConfig, GatewayParent, HostEdge
from .errors import ConfigError, Problem
from .gitops import GitOpsConfig
from .model import (
    Autoscaling,
    ComponentConfig,
    Cors,
    DatabasePool,
    DisruptionBudget,
    EnvironmentConfig,
    Image,
    Migration,
    Resources,
    check_unique,
)
from .monitoring import AlertThresholds, MonitoringConfig
from .naming import Naming
from .network import NetworkConfig, Peer
from .secrets import ExistingSecret, ExternalSecrets, SecretSource
from .tracing import TracingConfig

__all__ = [
    "AlertThresholds",
    "Autoscaling",
    "ComponentConfig",
    "ConfigError",
    "Cors",
    "DatabasePool",
    "DisruptionBudget",
    "EdgeConfig",
    "EnvironmentConfig",
    "ExistingSecret",
    "ExternalSecrets",
    "GatewayParent",
    "GitOpsConfig",
    "HostEdge",
    "Image",
    "Migration",
    "MonitoringConfig",
    "Naming",
    "NetworkConfig",
    "Peer",
    "Problem",
    "Resources",
    "SecretSource",
    "TracingConfig",
    "check_unique",
]
