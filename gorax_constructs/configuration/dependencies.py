"""The services the Gorax binaries need: PostgreSQL and Redis (always) and an SQS queue (optional).

Read from the application's source (stherrien/gorax): both binaries connect to PostgreSQL with
``DB_HOST``, ``DB_PORT``, ``DB_USER``, ``DB_PASSWORD``, ``DB_NAME`` and ``DB_SSLMODE``
(``internal/config/config.go``, ``DatabaseConfig.ConnectionString``; ``DATABASE_URL`` is read by
``cmd/migrate`` only) and exit when they cannot. Both create a Redis client from
``REDIS_ADDRESS``, ``REDIS_PASSWORD`` and ``REDIS_DB`` (``internal/config/config.go``; the client in
``internal/api/app.go`` and ``internal/worker/worker.go``); the API's ``/ready`` pings it
(``internal/api/handlers/health.go``), so an API without Redis is never Ready. The worker consumes
an SQS queue when ``QUEUE_ENABLED`` (``internal/worker/worker.go``), else it polls the database.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .contract import served_metrics
from .dns import is_dns_label, is_dns_name
from .errors import Problem
from .fieldtypes import is_integer, is_port
from .identity import AwsIrsa
from .network import Peer, namespace_labels

if TYPE_CHECKING:
    from .model import EnvironmentConfig

SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")  # lib/pq's sslmode values
DB_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_$-]{0,62}")


@dataclass(frozen=True, kw_only=True)
class Postgres:
    """Where the API and the workers find PostgreSQL (required): the ``DB_*`` variables; the password is the
    Secret's ``database-password``. The NetworkPolicy peer is ``network.database`` (and ``database_port``).

    Attributes:
        host: ``DB_HOST``, a DNS name or an IP address (the binaries' default is ``localhost``).
        port: ``DB_PORT``; default ``network.database_port`` (5432; the binaries' own default is 5433), the
            port the NetworkPolicies open, which it must equal when both are set.
        name / user: ``DB_NAME`` / ``DB_USER`` (default ``gorax``).
        sslmode: ``DB_SSLMODE``, lib/pq's (default ``require``).
    """

    host: str
    port: int | None = None
    name: str = "gorax"
    user: str = "gorax"
    sslmode: str = "require"

    def problems(self) -> Iterator[Problem]:
        if not isinstance(self.host, str) or not (
            _is_ip(self.host) or is_dns_name(self.host) or is_dns_label(self.host)
        ):
            yield Problem(
                "host", self.host, "a DNS name or an IP address, such as 'postgres.postgres.svc.cluster.local'"
            )
        if self.port is not None and not is_port(self.port):
            yield Problem("port", self.port, "a port from 1 to 65535")
        for name in ("name", "user"):
            if not isinstance(getattr(self, name), str) or not DB_IDENTIFIER.fullmatch(getattr(self, name)):
                yield Problem(name, getattr(self, name), "a PostgreSQL identifier: letters, digits, '_', '$', '-'")
        if self.sslmode not in SSL_MODES:
            yield Problem("sslmode", self.sslmode, f"one of {', '.join(SSL_MODES)}")


REDIS_DEFAULT_PORT = 6379
REDIS_URL = re.compile(r"(?P<scheme>rediss?)://(?P<host>[^:/]+)(?::(?P<port>[0-9]{1,5}))?(?:/(?P<db>[0-9]{1,2}))?")
HOST_PORT = re.compile(r"(?P<host>[^:/]+):(?P<port>[0-9]{1,5})")
CLUSTER_SERVICE = re.compile(r"(?P<service>[a-z0-9-]+)\.(?P<namespace>[a-z0-9-]+)\.svc(?:\.cluster\.local)?")
NO_TLS = (
    "False: the Gorax binaries connect to Redis without TLS (internal/api/app.go and internal/worker/worker.go "
    "build redis.Options with Addr, Password and DB only, no TLSConfig); use a Redis endpoint without TLS "
    "inside the cluster or VPC"
)


@dataclass(frozen=True, kw_only=True)
class Redis:
    """Where the API and the workers find Redis (required: the API's ``/ready`` pings it).

    Give ``address`` (``host:port``, or ``redis://host[:port][/db]``) or ``host`` (with ``port``).

    Attributes:
        address / host / port: the endpoint (``REDIS_ADDRESS`` is ``host:port``).
        db: the database number (``REDIS_DB``, 0-15; default the address's ``/db``, else 0); a ``/db`` in the
            address must agree.
        tls: refused: the binaries cannot speak TLS to Redis (``rediss://`` likewise).
        password: the Secret holds ``redis-password`` (``REDIS_PASSWORD``); False for a Redis without AUTH.
        peer: the NetworkPolicy peer of the endpoint; default derived from the host: an IP address
            (``/32``) or a cluster Service name ``<service>.<namespace>.svc[.cluster.local]`` (its
            namespace). Any other DNS name needs it (a NetworkPolicy cannot name a host).
    """

    address: str = ""
    host: str = ""
    port: int = REDIS_DEFAULT_PORT
    db: int | None = None
    tls: bool = False
    password: bool = True
    peer: Peer | None = None

    def _parts(self) -> tuple[str, str, int | None, int | None] | None:
        """``(scheme, host, port, db)`` of the configured endpoint, ``None`` if it is malformed."""
        if self.address:
            if match := REDIS_URL.fullmatch(self.address):
                port = int(match["port"]) if match["port"] else REDIS_DEFAULT_PORT
                return match["scheme"], match["host"], port, int(match["db"]) if match["db"] else None
            if match := HOST_PORT.fullmatch(self.address):
                return "redis", match["host"], int(match["port"]), None
            return None
        return "redis", self.host, self.port, None

    @property
    def endpoint_host(self) -> str:
        parts = self._parts()
        assert parts is not None
        return parts[1]

    @property
    def endpoint_port(self) -> int:
        parts = self._parts()
        assert parts is not None and parts[2] is not None
        return parts[2]

    @property
    def database(self) -> int:
        """``REDIS_DB``: ``db``, else the address's ``/db``, else 0."""
        parts = self._parts()
        if self.db is not None:
            return self.db
        return parts[3] if parts is not None and parts[3] is not None else 0

    @property
    def redis_address(self) -> str:
        """``REDIS_ADDRESS``: what go-redis dials (``redis.Options.Addr``)."""
        return f"{self.endpoint_host}:{self.endpoint_port}"

    def peers(self) -> list[dict[str, object]]:
        """NetworkPolicy ``to`` entries for the endpoint."""
        if self.peer is not None:
            return self.peer.peers()
        host = self.endpoint_host
        if _is_ip(host):
            return [{"ipBlock": {"cidr": str(ipaddress.ip_network(host))}}]
        match = CLUSTER_SERVICE.fullmatch(host)
        assert match is not None
        return Peer(namespace_labels=namespace_labels(match["namespace"])).peers()

    def problems(self) -> Iterator[Problem]:
        if self.address and self.host:
            yield Problem("host", self.host, "empty when address is set (one of the two)")
            return
        if not self.address and not self.host:
            yield Problem("address", self.address, "'host:port' (or host=...), such as 'redis.redis.svc:6379'")
            return
        parts = self._parts()
        if parts is None:
            yield Problem(
                "address", self.address, "'host:port' or 'redis://host[:port][/db]', such as 'redis.redis.svc:6379'"
            )
            return
        scheme, host, port, db = parts
        field_name = "address" if self.address else "host"
        if not (_is_ip(host) or is_dns_name(host) or is_dns_label(host)):
            yield Problem(field_name, host, "a DNS name or an IP address")
        if not is_port(port):
            yield Problem("address" if self.address else "port", port, "a port from 1 to 65535")
        if self.db is not None and not is_integer(self.db, 0, 15):
            yield Problem("db", self.db, "a Redis database number from 0 to 15")
        elif db is not None and self.db is not None and db != self.db:
            yield Problem("db", self.db, f"the database of the address ({db}), or leave the address without '/{db}'")
        elif db is not None and not 0 <= db <= 15:
            yield Problem("address", self.address, "a database number ('/db') from 0 to 15")
        if scheme == "rediss":
            yield Problem("address", self.address, "a 'redis://' or 'host:port' address; " + NO_TLS)
        if self.tls is not False:
            yield Problem("tls", self.tls, NO_TLS)
        if not isinstance(self.password, bool):
            yield Problem("password", self.password, "True or False")
        if self.peer is not None:
            yield from (p.under("peer") for p in self.peer.problems())
        elif not _is_ip(host) and not CLUSTER_SERVICE.fullmatch(host):
            yield Problem(
                "peer",
                None,
                f"a Peer for '{host}' (the CIDRs of its subnet, or namespace labels): a NetworkPolicy cannot name "
                "a DNS name; or address it as '<service>.<namespace>.svc:<port>'",
            )


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


SQS_URL = re.compile(
    r"https://sqs\.(?P<region>[a-z]{2}(?:-[a-z]+)+-[0-9])\.amazonaws\.com(?:\.cn)?/(?P<account>[0-9]{12})/"
    r"(?P<name>[A-Za-z0-9_-]{1,75}(?:\.fifo)?)"
)
SQS_URL_ALLOWED = "an SQS queue URL such as 'https://sqs.eu-west-1.amazonaws.com/123456789012/gorax-executions'"
SQS_PORT = 443


@dataclass(frozen=True, kw_only=True)
class SqsQueue:
    """The worker consumes workflow executions from AWS SQS (``QUEUE_ENABLED=true``; off by default).

    The worker signs in with the pods' IAM role (the environment's ``identity`` must be ``AwsIrsa``):
    ``internal/queue/sqs.go`` uses static keys only when ``AWS_ACCESS_KEY_ID`` is set, otherwise the
    SDK's default chain, which reads the IRSA web-identity token. No access keys are configured here.

    Attributes:
        queue_url: ``AWS_SQS_QUEUE_URL``, ``https://sqs.<region>.amazonaws.com/<account>/<name>``.
        dlq_url: ``AWS_SQS_DLQ_URL`` (optional), same region and account.
        region: ``AWS_REGION``; default the queue URL's region (it must agree).
        endpoint: the NetworkPolicy peer of an SQS VPC interface endpoint (its subnets' CIDRs), opened to
            the worker pods on 443; default ``None``: the public regional endpoint, which the workers reach
            through their external egress (443 must be among ``network.external_ports``). The token
            exchange (STS) is the identity's: a private STS endpoint goes in ``identity.cloud_apis``.
    """

    queue_url: str
    dlq_url: str = ""
    region: str = ""
    endpoint: Peer | None = None

    @property
    def aws_region(self) -> str:
        if self.region:
            return self.region
        match = SQS_URL.fullmatch(self.queue_url)
        return match["region"] if match else ""

    def problems(self) -> Iterator[Problem]:
        match = SQS_URL.fullmatch(self.queue_url) if isinstance(self.queue_url, str) else None
        if match is None:
            yield Problem("queue_url", self.queue_url, SQS_URL_ALLOWED)
            return
        if self.region and self.region != match["region"]:
            yield Problem("region", self.region, f"the queue URL's region '{match['region']}' (or empty)")
        if self.dlq_url:
            dlq = SQS_URL.fullmatch(self.dlq_url)
            if dlq is None:
                yield Problem("dlq_url", self.dlq_url, SQS_URL_ALLOWED)
            elif (dlq["region"], dlq["account"]) != (match["region"], match["account"]):
                yield Problem(
                    "dlq_url",
                    self.dlq_url,
                    f"a queue in the queue's region and account ({match['region']}, "
                    f"{match['account']}): SQS redrives only there",
                )
        if self.endpoint is not None:
            yield from (p.under("endpoint") for p in self.endpoint.problems())


def dependency_problems(env: EnvironmentConfig) -> Iterator[Problem]:
    """PostgreSQL, Redis, the queue, the SQS scaler and the migrator image, as the environment needs them."""
    if env.postgres is None:
        yield Problem(
            "postgres",
            None,
            "Postgres(host=...): the API and the workers connect with DB_HOST, DB_PORT, DB_NAME, DB_USER and "
            "DB_PASSWORD (internal/config/config.go); without them they dial localhost:5433 and exit",
        )
    else:
        yield from (p.under("postgres") for p in env.postgres.problems())
        if env.postgres.port is not None and env.postgres.port != env.network.database_port:
            yield Problem(
                "postgres.port",
                env.postgres.port,
                f"network.database_port ({env.network.database_port}), the port the NetworkPolicies open "
                "(or leave it unset: it follows network.database_port)",
            )
    if env.redis is None:
        yield Problem(
            "redis",
            None,
            "Redis(address='<host>:<port>'): the API's /ready pings Redis (internal/api/handlers/health.go), "
            "so without one the API is never Ready; the workers keep per-tenant limits in it",
        )
    else:
        yield from (p.under("redis") for p in env.redis.problems())
    if env.queue is not None:
        yield from (p.under("queue") for p in env.queue.problems())
        if env.queue.endpoint is None and SQS_PORT not in env.network.external_ports:
            yield Problem(
                "queue.endpoint",
                None,
                "a Peer of the SQS VPC endpoint: without one the workers reach the public SQS endpoint through "
                f"their external egress, and network.external_ports ({env.network.external_ports}) lacks 443",
            )
        if not isinstance(env.identity, AwsIrsa):
            yield Problem(
                "identity",
                env.identity,
                "AwsIrsa(role_arn=...) with queue set: the worker reads SQS with the pods' IAM role (no keys)",
            )
    queue_depth = env.worker.autoscaling.queue_depth
    if queue_depth is not None and queue_depth.implementation == "keda-aws-sqs" and env.queue is None:
        yield Problem(
            "worker.autoscaling.queue_depth.implementation",
            "keda-aws-sqs",
            "'prometheus-adapter' or 'keda' unless queue=SqsQueue(...) is set (the SQS scaler reads that queue)",
        )
    served = env.monitoring.application_metrics
    if served.queue_depth and not (served_metrics(env, "api") or served_metrics(env, "worker")):
        yield Problem(
            "monitoring.application_metrics.queue_depth", True, "False while neither api nor worker serves metrics"
        )
    if served.worker is False and env.contract.worker.metrics is not None:
        yield Problem(
            "monitoring.application_metrics.worker",
            False,
            "True or None while contract.worker.metrics says the workers serve metrics (one of the two)",
        )
    migrator = env.contract.migration
    if not list(migrator.problems()) and migrator.image_for(env.api.image) is None:
        yield Problem(
            "contract.migration.image",
            None,
            f"an Image(...) of the migrator: the API image ({env.api.image.reference}) has no tag for the "
            "migrator's to follow (or give the API image a tag besides its digest)",
        )
    elif migrator.image is not None:
        # A migrator that follows the API's tag needs no check of its own: the API image's is the same tag.
        yield from (p.under("contract.migration.image") for p in migrator.image.problems(env.tier))
