"""The composing chart: one Gorax environment."""

from __future__ import annotations

from typing import overload

from constructs import Construct

from ..configuration.model import EnvironmentConfig
from ..configuration.naming import API, WORKER, Naming
from .appconfig import AppConfig
from .edge import Edge
from .manifest import ManifestChart
from .migration import MigrationJob
from .network import NetworkPolicies
from .observability import Observability
from .platform import Platform
from .quota import NamespaceQuota
from .secrets import Secrets
from .telemetry import tracing_env
from .workloads import ApiService, WorkerPool


class EnvironmentChart(ManifestChart):
    """Every object of one environment, composed from the parts in this package.

    The chart id is the environment name (the pipeline writes it to
    ``dist/<environment>/`` or ``dist/previews/<name>/``). Resource-name hashes
    are off: names come from ``Naming`` and never from the construct path.
    Anything else added to the chart -- ``ApiObject``, cdk8s-plus-27, classes
    from ``imports/`` -- is part of its output too, and gets the environment's
    namespace and labels (cdk8s's chart ``namespace``/``labels``) and, unless it
    has one, its kind's sync wave; all of them come in apply order
    (docs/extending.md).
    """

    @overload
    def __init__(self, scope: Construct, env: EnvironmentConfig, /) -> None: ...
    @overload
    def __init__(self, scope: Construct, id: str, env: EnvironmentConfig, /) -> None: ...

    def __init__(
        self, scope: Construct, id_or_env: str | EnvironmentConfig, env: EnvironmentConfig | None = None, /
    ) -> None:
        """``EnvironmentChart(scope, env)`` takes the environment's name as its construct id (what the pipeline
        does); ``EnvironmentChart(scope, id, env)`` is the usual cdk8s form, for an app of your own."""
        if isinstance(id_or_env, EnvironmentConfig):
            if env is not None:
                raise TypeError("EnvironmentChart(scope, env) or EnvironmentChart(scope, id, env), not both")
            construct_id, env = id_or_env.name, id_or_env
        elif isinstance(env, EnvironmentConfig):
            construct_id = id_or_env
        else:
            raise TypeError("EnvironmentChart(scope, id, env) needs an EnvironmentConfig as env")
        naming = Naming(env)
        super().__init__(scope, construct_id, namespace=env.namespace, labels=naming.labels())
        self.env = env
        self.naming = naming
        self.platform = Platform(self, "platform", naming=naming)
        self.app_config = AppConfig(self, "config", naming=naming)
        self.secrets = Secrets(self, "secrets", naming=naming)
        shared = {
            "naming": naming,
            "secrets": self.secrets.refs,
            "service_account_name": self.platform.service_account_name,
        }
        self.api = ApiService(
            self, "api", app_config=self.app_config, extra_env=tracing_env(naming, API.name), **shared
        )
        self.worker = WorkerPool(
            self, "worker", app_config=self.app_config, extra_env=tracing_env(naming, WORKER.name), **shared
        )
        self.migration = MigrationJob(self, "migration", **shared)
        self.edge = Edge(self, "edge", naming=naming)
        self.network = NetworkPolicies(self, "network", naming=naming)
        self.observability = Observability(self, "observability", naming=naming)
        if env.preview:
            self.quota = NamespaceQuota(self, "quota", naming=naming)
