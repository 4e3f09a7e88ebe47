"""The application contract: what the Gorax binaries really run, listen on, serve and read.

Read from the application's source (github.com/stherrien/gorax; files named next to each default),
not from the deployment guide, which disagrees with it on the API's health paths, the worker's
metrics, the images and the migrator (``docs/migration.md``, "The binaries, not the guide"). The
parts read this object for every command, port, probe path and scrape target; nothing else in
the project names one. A build that differs (a fork that adds worker metrics, a different port)
changes the contract, not the parts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from .errors import Problem
from .fieldtypes import is_port
from .image import IMAGE_REPOSITORY, Image

if TYPE_CHECKING:
    from .model import EnvironmentConfig
    from .monitoring import ApplicationMetrics

HTTP_PATH = re.compile(r"/[A-Za-z0-9._~/-]*")
PATH_ALLOWED = "an absolute HTTP path such as '/health' (letters, digits, '.', '_', '~', '-', '/')"
MIGRATOR_DOCKERFILE = "docs/migration.md#building-the-migrator-image"


def _port_problem(name: str, value: object) -> Iterator[Problem]:
    if not is_port(value):
        yield Problem(name, value, "a port from 1 to 65535")


def _path_problem(name: str, value: object) -> Iterator[Problem]:
    if not isinstance(value, str) or not HTTP_PATH.fullmatch(value):
        yield Problem(name, value, PATH_ALLOWED)


def _command_problems(name: str, value: object) -> Iterator[Problem]:
    if not isinstance(value, tuple) or not all(isinstance(part, str) and part for part in value):
        yield Problem(name, value, "a tuple of non-empty strings")


@dataclass(frozen=True, kw_only=True)
class Metrics:
    """Where a process serves Prometheus metrics: ``port`` and ``path``."""

    port: int
    path: str = "/metrics"

    def problems(self) -> Iterator[Problem]:
        yield from _port_problem("port", self.port)
        yield from _path_problem("path", self.path)


@dataclass(frozen=True, kw_only=True)
class Probes:
    """The HTTP paths the kubelet probes on the process's port; ``startup`` empty: no startup probe."""

    liveness: str
    readiness: str
    startup: str = ""

    def problems(self) -> Iterator[Problem]:
        yield from _path_problem("liveness", self.liveness)
        yield from _path_problem("readiness", self.readiness)
        if self.startup:
            yield from _path_problem("startup", self.startup)


@dataclass(frozen=True, kw_only=True)
class Process:
    """One long-running Gorax process (API or worker).

    Attributes:
        command / args: what the container runs (``command`` replaces the image's entrypoint).
        port: the one port it listens on (the API's traffic, the worker's health server).
        probes: the paths the kubelet probes on ``port``.
        metrics: where it serves ``/metrics``, or ``None`` (then nothing scrapes it).
        env: the variables the binary reads (``internal/config/config.go``), for the docs and tests.
    """

    command: tuple[str, ...]
    args: tuple[str, ...] = ()
    port: int
    probes: Probes
    metrics: Metrics | None
    env: tuple[str, ...] = ()

    def problems(self) -> Iterator[Problem]:
        yield from _command_problems("command", self.command)
        if not self.command:
            yield Problem("command", self.command, "at least the executable, such as ('/app/gorax',)")
        yield from _command_problems("args", self.args)
        yield from _port_problem("port", self.port)
        yield from (p.under("probes") for p in self.probes.problems())
        if self.metrics is not None:
            yield from (p.under("metrics") for p in self.metrics.problems())


@dataclass(frozen=True, kw_only=True)
class Migrator:
    """The migration hook's image and command.

    No published Gorax image contains a migrator (the release ``Dockerfile`` builds ``/app/gorax``
    and ``/app/worker`` only; ``cmd/migrate`` is in the source), so the configuration must name an
    image the user builds (``MIGRATOR_DOCKERFILE``). Either ``repository`` (the image then runs the
    API image's tag, so a release's migrator and binaries move together) or a full ``image``.

    ``cmd/migrate/main.go``: ``up`` by default, ``DATABASE_URL`` or ``-db``, SQL from ``migrations/``
    relative to the working directory (the release image's ``WORKDIR /app`` holds ``/app/migrations``).
    """

    repository: str = ""
    image: Image | None = None
    command: tuple[str, ...] = ("/app/migrate",)
    args: tuple[str, ...] = ("up",)
    working_dir: str = "/app"
    env: tuple[str, ...] = ("DATABASE_URL",)  # cmd/migrate/main.go: os.Getenv("DATABASE_URL")

    def problems(self) -> Iterator[Problem]:
        if self.image is None and not self.repository:
            yield Problem(
                "repository",
                self.repository,
                "the repository of a migrator image you build from cmd/migrate (no published Gorax image "
                f"contains {' '.join(self.command) or '/app/migrate'}: see {MIGRATOR_DOCKERFILE}), such as "
                "'ghcr.io/gorax/gorax-migrate', or a full image=Image(...)",
            )
        elif self.image is not None and self.repository:
            yield Problem("image", self.image, "None when repository is set (one of the two)")
        elif self.repository and not IMAGE_REPOSITORY.fullmatch(self.repository):
            yield Problem("repository", self.repository, "a lowercase image repository such as 'gorax/gorax-migrate'")
        yield from _command_problems("command", self.command)
        if not self.command:
            yield Problem("command", self.command, "at least the executable, such as ('/app/migrate',)")
        yield from _command_problems("args", self.args)
        if not isinstance(self.working_dir, str) or not HTTP_PATH.fullmatch(self.working_dir):
            yield Problem("working_dir", self.working_dir, "an absolute directory such as '/app'")

    def image_for(self, api: Image) -> Image | None:
        """The migrator image beside the API image ``api``; ``None`` when it cannot follow (digest only)."""
        if self.image is not None:
            return self.image
        if not api.tag:
            return None
        return Image(repository=self.repository, tag=api.tag)


# Upstream facts (stherrien/gorax, read at commit 7fe08cb). The test tests/test_app_contract.py pins them.

# Variables both binaries read (internal/config/config.go, which both load).
DATABASE_ENV = (
    "DB_HOST",
    "DB_PORT",
    "DB_NAME",
    "DB_USER",
    "DB_PASSWORD",
    "DB_SSLMODE",
    "DB_MAX_OPEN_CONNS",
    "DB_MAX_IDLE_CONNS",
    "DB_CONN_MAX_LIFETIME",
    "DB_CONN_MAX_IDLE_TIME",
)
REDIS_ENV = ("REDIS_ADDRESS", "REDIS_PASSWORD", "REDIS_DB")
TRACING_ENV = ("TRACING_ENABLED", "TRACING_ENDPOINT", "TRACING_SAMPLE_RATE", "TRACING_SERVICE_NAME")
API = Process(
    # Dockerfile: CMD ["/app/gorax"] (the release image; /app/worker beside it).
    command=("/app/gorax",),
    # internal/config/config.go: SERVER_ADDRESS default ":8080".
    port=8080,
    # internal/api/app.go: r.Get("/health", ...) always 200; r.Get("/ready", ...) pings PostgreSQL and Redis
    # (internal/api/handlers/health.go Ready). No /health/live or /health/ready route: chi answers 404.
    probes=Probes(liveness="/health", readiness="/ready"),
    # internal/api/app.go: r.Handle("/metrics", promhttp.HandlerFor(a.metricsRegistry, ...)) when METRICS_ENABLED.
    metrics=Metrics(port=8080),
    env=(
        "APP_ENV",
        "SERVER_ADDRESS",
        "LOG_LEVEL",
        "LOG_FORMAT",
        "CORS_ALLOWED_ORIGINS",
        "CORS_ALLOWED_METHODS",
        "CORS_ALLOWED_HEADERS",
        "CORS_MAX_AGE",
        *DATABASE_ENV,
        "METRICS_ENABLED",
        *REDIS_ENV,
        *TRACING_ENV,
    ),
)
WORKER = Process(
    # Dockerfile: COPY ... /app/worker (not the image's CMD, so the worker names it).
    command=("/app/worker",),
    # internal/config/config.go: WORKER_HEALTH_PORT default "8081"; cmd/worker/main.go NewHealthServer.
    port=8081,
    # internal/worker/health.go NewHealthServer: /health/live, /health/ready, /health. Its only HTTP server.
    probes=Probes(liveness="/health/live", readiness="/health/ready"),
    # No /metrics: the worker registers no metrics handler (cmd/worker/main.go, internal/worker/).
    metrics=None,
    env=(
        "APP_ENV",
        "WORKER_HEALTH_PORT",
        "LOG_LEVEL",
        "LOG_FORMAT",
        "WORKER_CONCURRENCY",
        *DATABASE_ENV,
        *REDIS_ENV,
        "QUEUE_ENABLED",
        "AWS_SQS_QUEUE_URL",
        "AWS_SQS_DLQ_URL",
        "AWS_REGION",
        *TRACING_ENV,
    ),
)


@dataclass(frozen=True, kw_only=True)
class AppContract:
    """The contract of the three Gorax processes: ``api``, ``worker`` and the ``migration`` hook.

    The images the API and the workers run are the components' (``api.image``, ``worker.image``, from
    ``images.yaml``): upstream releases one image holding both binaries, so both normally name the same
    reference and the ``command`` tells them apart. The migrator's image is the contract's.

    ``worker.metrics`` is ``None`` with the upstream binaries: set ``Metrics(port=...)`` for a build that
    serves worker metrics and the PodMonitor (and its NetworkPolicy allowance) appear.
    """

    api: Process = API
    worker: Process = WORKER
    migration: Migrator = field(default_factory=Migrator)

    def problems(self) -> Iterator[Problem]:
        yield from (p.under("api") for p in self.api.problems())
        yield from (p.under("worker") for p in self.worker.problems())
        yield from (p.under("migration") for p in self.migration.problems())
        api_metrics = self.api.metrics
        if api_metrics is not None and isinstance(api_metrics.port, int) and api_metrics.port != self.api.port:
            # The ServiceMonitor scrapes through the API Service, which exposes the API's one port.
            yield Problem("api.metrics.port", api_metrics.port, f"the API's port ({self.api.port})")


def served_metrics(env: EnvironmentConfig, component: str) -> Metrics | None:
    """Where ``component`` (``api`` or ``worker``) serves metrics, or ``None``: the contract's endpoint, unless
    ``monitoring.application_metrics`` turns it off (``False``) or on (``True``: the contract's endpoint, else
    ``/metrics`` on the process's port). What the monitors, scrape allowances, alerts and panels follow."""
    process: Process = getattr(env.contract, component)
    switch = getattr(env.monitoring.application_metrics, component)
    if switch is False:
        return None
    if switch is True and process.metrics is None:
        return Metrics(port=process.port)
    return process.metrics


def resolved_application_metrics(env: EnvironmentConfig) -> ApplicationMetrics:
    """``monitoring.application_metrics`` with ``api`` and ``worker`` resolved against the contract."""
    return replace(
        env.monitoring.application_metrics,
        api=served_metrics(env, "api") is not None,
        worker=served_metrics(env, "worker") is not None,
    )
