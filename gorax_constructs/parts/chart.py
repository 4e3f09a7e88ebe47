"""The composing chart: one Gorax environment."""

from __future__ import annotations

from typing import overload

from constructs import Construct

from ..configuration.contract import served_metrics
from ..configuration.model import EnvironmentConfig
from ..configuration.naming import API, WORKER, Naming
from .appconfig import AppConfig, settings_for
from .edge import Edge
from .manifest import ManifestChart
from .migration import MigrationJob
from .network import NetworkPolicies
from .observability import Observability, Signals
from .platform import Platform
from .quota import NamespaceQuota
from .secrets import Secrets
from .telemetry import tracing_env
from .workloads import ApiService, WorkerPool


class EnvironmentChart(ManifestChart):
    """Every object of one environment, composed from the parts in this package.

    The one place that reads the whole ``EnvironmentConfig``: it hands each part the slice it uses and
    the handles of the parts it connects to (``self.api`` to the edge, the monitors and the policies).

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
        naming = Naming.of(env)
        super().__init__(scope, construct_id, namespace=env.namespace, labels=naming.labels())
        self.env = env
        self.naming = naming
        self.platform = Platform(self, "platform", naming=naming, preview=env.preview, identity=env.identity)
        self.app_config = AppConfig(self, "config", naming=naming, settings=settings_for(env))
        self.secrets = Secrets(
            self, "secrets", naming=naming, source=env.secrets, keys=env.secret_keys, identity=env.identity
        )
        shared = {
            "naming": naming,
            "tier": env.tier,
            "app_config": self.app_config,
            "secrets": self.secrets.refs,
            "service_account_name": self.platform.service_account_name,
            "pod_labels": self.platform.pod_labels,
            "zone_spread": env.zone_spread,
        }
        self.api = ApiService(
            self,
            "api",
            config=env.api,
            process=env.contract.api,
            metrics=served_metrics(env, API.name),
            extra_env=tracing_env(naming, env.tracing, API.name),
            **shared,
        )
        self.worker = WorkerPool(
            self,
            "worker",
            config=env.worker,
            process=env.contract.worker,
            metrics=served_metrics(env, WORKER.name),
            queue=env.queue,
            extra_env=tracing_env(naming, env.tracing, WORKER.name),
            **shared,
        )
        self.migration = MigrationJob(
            self,
            "migration",
            naming=naming,
            settings=env.migration,
            migrator=env.contract.migration,
            api=env.api,
            app_config=self.app_config,
            secrets=self.secrets.refs,
            service_account_name=self.platform.service_account_name,
            pod_labels=self.platform.pod_labels,
        )
        self.edge = Edge(
            self,
            "edge",
            naming=naming,
            config=env.edge,
            api_host=env.api_host,
            webhooks_host=env.webhooks_host,
            cors=env.cors,
            api=self.api,
        )
        self.network = NetworkPolicies(
            self,
            "network",
            naming=naming,
            config=env.network,
            edge=env.edge,
            api=self.api,
            worker=self.worker,
            migration=self.migration,
            identity=env.identity,
            redis=env.redis,
            queue=env.queue,
        )
        self.observability = Observability(
            self,
            "observability",
            naming=naming,
            monitoring=env.monitoring,
            tier=env.alert_tier,
            api=self.api,
            worker=self.worker,
            signals=Signals.of(env),
        )
        if env.preview:
            self.quota = NamespaceQuota(self, "quota", naming=naming, workloads=(self.api, self.worker, self.migration))
