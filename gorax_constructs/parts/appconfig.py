"""The application ConfigMap and the variables it feeds (``pods.config_checksum`` rolls the pods)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from constructs import Construct

from ..configuration.model import EnvironmentConfig
from ..configuration.naming import API, WORKER, Naming
from ..configuration.network import MIGRATION
from .manifest import ChartPart
from .pods import config_checksum

BOTH = (API.name, WORKER.name)
BOTH_AND_MIGRATION = (*BOTH, MIGRATION)


@dataclass(frozen=True)
class Setting:
    """One operator-facing ConfigMap key, the variable the binaries read, and who reads it."""

    key: str
    variable: str
    value: str
    consumers: tuple[str, ...] = BOTH


def _flag(value: bool) -> str:
    return "true" if value else "false"


def settings_for(env: EnvironmentConfig) -> tuple[Setting, ...]:
    """The guide's ConfigMap keys (see app-env-contract.md for the variable names).

    Keys of the old ConfigMap that no binary reads (worker-poll-interval,
    retry-*, rate-limit-*, metrics-port) are not carried over: dead
    configuration misleads whoever edits it.
    """
    cors = env.cors
    settings = [
        Setting("log-level", "LOG_LEVEL", env.log_level),
        Setting("log-format", "LOG_FORMAT", env.log_format),
        Setting("cors-allowed-origins", "CORS_ALLOWED_ORIGINS", ",".join(cors.allowed_origins), (API.name,)),
        Setting("cors-allowed-methods", "CORS_ALLOWED_METHODS", ",".join(cors.allowed_methods), (API.name,)),
        Setting("cors-allowed-headers", "CORS_ALLOWED_HEADERS", ",".join(cors.allowed_headers), (API.name,)),
        Setting("cors-max-age", "CORS_MAX_AGE", str(cors.max_age_seconds), (API.name,)),
        Setting("worker-concurrency", "WORKER_CONCURRENCY", str(env.worker_concurrency), (WORKER.name,)),
        Setting("workflow-timeout", "WORKFLOW_TIMEOUT", str(env.workflow_timeout_seconds)),
        Setting("max-workflow-execution-time", "MAX_WORKFLOW_EXECUTION_TIME", str(env.max_workflow_execution_seconds)),
        Setting("db-max-open-conns", "DB_MAX_OPEN_CONNS", str(env.database.max_open_conns)),
        Setting("db-max-idle-conns", "DB_MAX_IDLE_CONNS", str(env.database.max_idle_conns)),
        Setting("db-conn-max-lifetime", "DB_CONN_MAX_LIFETIME", env.database.conn_max_lifetime),
        Setting("db-conn-max-idle-time", "DB_CONN_MAX_IDLE_TIME", env.database.conn_max_idle_time),
        Setting("metrics-enabled", "METRICS_ENABLED", _flag(env.contract.api.metrics is not None), (API.name,)),
    ]
    if env.postgres is not None:  # always, in a valid config; read by all three (the migrator composes its URL)
        db = env.postgres
        settings += [
            Setting("db-host", "DB_HOST", db.host, BOTH_AND_MIGRATION),
            Setting("db-port", "DB_PORT", str(db.port or env.network.database_port), BOTH_AND_MIGRATION),
            Setting("db-name", "DB_NAME", db.name, BOTH_AND_MIGRATION),
            Setting("db-user", "DB_USER", db.user, BOTH_AND_MIGRATION),
            Setting("db-sslmode", "DB_SSLMODE", db.sslmode, BOTH_AND_MIGRATION),
        ]
    if env.redis is not None:  # always, in a valid config
        settings += [
            Setting("redis-address", "REDIS_ADDRESS", env.redis.redis_address),
            Setting("redis-db", "REDIS_DB", str(env.redis.database)),
        ]
    # Only the worker reads the queue (internal/worker/worker.go); without it, it polls the database.
    queue = env.queue
    settings.append(Setting("queue-enabled", "QUEUE_ENABLED", _flag(queue is not None), (WORKER.name,)))
    if queue is not None:
        settings += [
            Setting("aws-sqs-queue-url", "AWS_SQS_QUEUE_URL", queue.queue_url, (WORKER.name,)),
            Setting("aws-region", "AWS_REGION", queue.aws_region, (WORKER.name,)),
        ]
        if queue.dlq_url:
            settings.append(Setting("aws-sqs-dlq-url", "AWS_SQS_DLQ_URL", queue.dlq_url, (WORKER.name,)))
    for flag, enabled in env.features:
        variable = "FEATURE_" + flag.upper().replace("-", "_")
        settings.append(Setting(f"feature-{flag}", variable, _flag(enabled)))
    return tuple(settings)


class AppConfig(ChartPart):
    """The ``<prefix>-gorax-config`` ConfigMap.

    Props:
        naming: names and labels; the ConfigMap is ``<prefix>-gorax-config``.
        settings: its keys, values and consumers (``settings_for(env)`` for an environment).

    Exposes ``name``, ``data`` and ``settings`` (for the workloads' env lists and the checksum on their pod
    templates, so changing a setting rolls the pods that read it).
    """

    def __init__(self, scope: Construct, id: str, *, naming: Naming, settings: Sequence[Setting]) -> None:
        super().__init__(scope, id)
        self.name = naming.name("config")
        self.settings = tuple(settings)
        data = self.data = {s.key: s.value for s in self.settings}
        self.add_manifest(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": naming.metadata(self.name), "data": data},
        )

    def env_for(self, component: str) -> list[dict[str, object]]:
        """``configMapKeyRef`` env entries for every setting the component reads."""
        return [
            {"name": s.variable, "valueFrom": {"configMapKeyRef": {"name": self.name, "key": s.key}}}
            for s in self.settings
            if component in s.consumers
        ]

    def checksum_for(self, component: str) -> str:
        """Digest of the settings ``component`` reads (``pods.config_checksum``), for its pod template."""
        return config_checksum(self.env_for(component), self.data)
