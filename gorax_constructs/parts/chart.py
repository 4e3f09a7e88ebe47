"""The composing chart: one Gorax environment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import overload

from constructs import Construct

from ..configuration.contract import served_metrics
from ..configuration.model import EnvironmentConfig
from ..configuration.naming import API, WORKER, Naming
from .appconfig import AppConfig, settings_for
from .edge import Edge
from .manifest import ChartPart, ManifestChart
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
        parts = build_parts(self, env)
        self.platform, self.app_config, self.secrets = parts.platform, parts.config, parts.secrets
        self.api, self.worker, self.migration = parts.api, parts.worker, parts.migration
        self.edge, self.network, self.observability = parts.edge, parts.network, parts.observability
        if parts.quota is not None:
            self.quota = parts.quota


@dataclass(frozen=True)
class Parts:
    """The parts of one environment, as ``build_parts`` wires them."""

    platform: Platform
    config: AppConfig
    secrets: Secrets
    api: ApiService
    worker: WorkerPool
    migration: MigrationJob
    edge: Edge
    network: NetworkPolicies
    observability: Observability
    quota: NamespaceQuota | None = None
    """Previews only."""

    def by_id(self) -> dict[str, ChartPart]:
        """Each part by its construct id, in creation order."""
        return {part.node.id: part for part in vars(self).values() if part is not None}


def build_parts(scope: Construct, env: EnvironmentConfig) -> Parts:
    """The parts of one environment in ``scope``, wired as ``EnvironmentChart`` wires them (it calls this):
    each gets its slice of ``env`` and the handles of the parts it connects to. In a plain ``cdk8s.Chart`` the
    parts emit ``ApiObject``s."""
    naming = Naming.of(env)
    platform = Platform(scope, "platform", naming=naming, preview=env.preview, identity=env.identity)
    app_config = AppConfig(scope, "config", naming=naming, settings=settings_for(env))
    secrets = Secrets(scope, "secrets", naming=naming, source=env.secrets, keys=env.secret_keys, identity=env.identity)
    shared = {
        "naming": naming,
        "tier": env.tier,
        "app_config": app_config,
        "secrets": secrets.refs,
        "service_account_name": platform.service_account_name,
        "pod_labels": platform.pod_labels,
        "zone_spread": env.zone_spread,
    }
    api = ApiService(
        scope,
        "api",
        config=env.api,
        process=env.contract.api,
        metrics=served_metrics(env, API.name),
        extra_env=tracing_env(naming, env.tracing, API.name),
        **shared,
    )
    worker = WorkerPool(
        scope,
        "worker",
        config=env.worker,
        process=env.contract.worker,
        metrics=served_metrics(env, WORKER.name),
        queue=env.queue,
        extra_env=tracing_env(naming, env.tracing, WORKER.name),
        **shared,
    )
    migration = MigrationJob(
        scope,
        "migration",
        naming=naming,
        settings=env.migration,
        migrator=env.contract.migration,
        api=env.api,
        app_config=app_config,
        secrets=secrets.refs,
        service_account_name=platform.service_account_name,
        pod_labels=platform.pod_labels,
    )
    edge = Edge(
        scope,
        "edge",
        naming=naming,
        config=env.edge,
        api_host=env.api_host,
        webhooks_host=env.webhooks_host,
        cors=env.cors,
        api=api,
    )
    network = NetworkPolicies(
        scope,
        "network",
        naming=naming,
        config=env.network,
        edge=env.edge,
        api=api,
        worker=worker,
        migration=migration,
        identity=env.identity,
        redis=env.redis,
        queue=env.queue,
    )
    observability = Observability(
        scope,
        "observability",
        naming=naming,
        monitoring=env.monitoring,
        tier=env.alert_tier,
        api=api,
        worker=worker,
        signals=Signals.of(env),
    )
    quota = NamespaceQuota(scope, "quota", naming=naming, workloads=(api, worker, migration)) if env.preview else None
    return Parts(platform, app_config, secrets, api, worker, migration, edge, network, observability, quota)
