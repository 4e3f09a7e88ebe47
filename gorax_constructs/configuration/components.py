"""The settings of one Gorax component (the API or the workers): size, scale and disruption budget.

Each section reports what is wrong with it through ``problems()``; ``EnvironmentConfig`` (``model.py``)
collects them under the section's field path.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from .errors import Problem
from .fieldtypes import is_integer
from .image import Image
from .quantities import CPU_ALLOWED, MEMORY_ALLOWED, cpu_millicores, is_cpu, is_memory, memory_bytes

if TYPE_CHECKING:
    from .model import Tier

PROMETHEUS_URL = re.compile(r"https?://[a-z0-9]([-a-z0-9.]*[a-z0-9])?(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~/-]*)?")
QueueDepthImplementation = Literal["prometheus-adapter", "keda", "keda-aws-sqs"]
QUEUE_DEPTH_IMPLEMENTATIONS: tuple[QueueDepthImplementation, ...] = ("prometheus-adapter", "keda", "keda-aws-sqs")


@dataclass(frozen=True, kw_only=True)
class Resources:
    """CPU and memory requests and limits of one container."""

    cpu_request: str
    cpu_limit: str
    memory_request: str
    memory_limit: str

    def problems(self) -> Iterator[Problem]:
        valid = True
        for name in ("cpu_request", "cpu_limit"):
            if not is_cpu(getattr(self, name)):
                valid = False
                yield Problem(name, getattr(self, name), CPU_ALLOWED)
        for name in ("memory_request", "memory_limit"):
            if not is_memory(getattr(self, name)):
                valid = False
                yield Problem(name, getattr(self, name), MEMORY_ALLOWED)
        if not valid:
            return
        if cpu_millicores(self.cpu_request) > cpu_millicores(self.cpu_limit):
            yield Problem("cpu_request", self.cpu_request, f"at most the CPU limit {self.cpu_limit}")
        if memory_bytes(self.memory_request) > memory_bytes(self.memory_limit):
            yield Problem("memory_request", self.memory_request, f"at most the memory limit {self.memory_limit}")


QUEUE_METRIC = "gorax_queue_depth"
"""The queue-depth series a build records: what the autoscalers and alerts read and the environments table names."""


@dataclass(frozen=True, kw_only=True)
class QueueDepth:
    """Scale the workers on pending workflows per worker (``gorax_queue_depth``), besides CPU and memory.

    The autoscaler takes the largest of the replica counts its metrics ask for, so workers still scale out
    when they are CPU- or memory-bound with a short queue. Two implementations (docs/configuration.md,
    "Autoscaling on queue depth"):

    - ``prometheus-adapter``: our HPA gets an ``External`` metric ``gorax_queue_depth`` that Prometheus
      Adapter serves from Prometheus (the adapter rule to add is on that page).
    - ``keda``: a KEDA ``ScaledObject`` with a ``prometheus`` trigger; KEDA creates and owns the HPA (same
      name, range and behaviour), so no HPA of ours is emitted.
    - ``keda-aws-sqs``: the same ``ScaledObject`` with KEDA's ``aws-sqs-queue`` trigger, reading the
      environment's SQS queue (``queue``) itself with the worker's IAM role: for the upstream binaries,
      which never record ``gorax_queue_depth``. Needs ``queue`` and an ``AwsIrsa`` identity.

    Attributes:
        target_per_worker: pending workflows one worker should have to itself (``AverageValue`` target;
            KEDA's ``queueLength`` for ``keda-aws-sqs``).
        implementation: ``prometheus-adapter``, ``keda`` or ``keda-aws-sqs``.
        queue: the ``queue`` label of ``gorax_queue_depth`` (default ``default``, as the alerts use).
        prometheus_url: where KEDA's operator queries Prometheus (``keda`` only); default the
            prometheus-operator's ``prometheus-operated`` Service in ``monitoring``.
    """

    target_per_worker: int
    implementation: QueueDepthImplementation
    queue: str = "default"
    prometheus_url: str = "http://prometheus-operated.monitoring.svc:9090"

    def problems(self) -> Iterator[Problem]:
        value = self.target_per_worker
        if not is_integer(value, 1, 100000):
            yield Problem("target_per_worker", value, "an integer from 1 to 100000 (pending workflows per worker)")
        if self.implementation not in QUEUE_DEPTH_IMPLEMENTATIONS:
            yield Problem("implementation", self.implementation, f"one of {', '.join(QUEUE_DEPTH_IMPLEMENTATIONS)}")
        if not isinstance(self.queue, str) or not re.fullmatch(r"[A-Za-z0-9_.-]{1,63}", self.queue):
            yield Problem("queue", self.queue, "a queue name of letters, digits, '_', '.', '-'")
        if not isinstance(self.prometheus_url, str) or not PROMETHEUS_URL.fullmatch(self.prometheus_url):
            yield Problem(
                "prometheus_url",
                self.prometheus_url,
                "an http(s) URL such as 'http://prometheus-operated.monitoring.svc:9090'",
            )


@dataclass(frozen=True, kw_only=True)
class Autoscaling:
    """HorizontalPodAutoscaler range and utilization targets (percent of requests).

    ``queue_depth`` (workers only, default none) adds the queue-depth signal; see ``QueueDepth``.
    """

    min_replicas: int
    max_replicas: int
    cpu_utilization: int
    memory_utilization: int
    queue_depth: QueueDepth | None = None

    def problems(self) -> Iterator[Problem]:
        if not isinstance(self.min_replicas, int) or self.min_replicas < 1:
            yield Problem("min_replicas", self.min_replicas, "an integer of at least 1")
        elif not isinstance(self.max_replicas, int) or self.max_replicas < self.min_replicas:
            yield Problem(
                "max_replicas", self.max_replicas, f"an integer of at least min_replicas ({self.min_replicas})"
            )
        for name in ("cpu_utilization", "memory_utilization"):
            value = getattr(self, name)
            if not isinstance(value, int) or not 1 <= value <= 100:
                yield Problem(name, value, "a percentage from 1 to 100")
        if self.queue_depth is not None:
            if not isinstance(self.queue_depth, QueueDepth):
                yield Problem("queue_depth", self.queue_depth, "a QueueDepth or None")
            else:
                yield from (p.under("queue_depth") for p in self.queue_depth.problems())


@dataclass(frozen=True, kw_only=True)
class DisruptionBudget:
    """PodDisruptionBudget of a component: set ``max_unavailable`` (default 1) or ``min_available``.

    It must allow at least one voluntary disruption at the autoscaler's minimum
    replica count, or every node drain blocks (the old development setup had
    ``minAvailable: 1`` with one replica).
    """

    max_unavailable: int | None = 1
    min_available: int | None = None

    def problems(self, min_replicas: int) -> Iterator[Problem]:
        if (self.max_unavailable is None) == (self.min_available is None):
            yield Problem("max_unavailable", self.max_unavailable, "exactly one of max_unavailable and min_available")
        elif self.min_available is not None:
            if not isinstance(self.min_available, int) or not 0 <= self.min_available < min_replicas:
                yield Problem(
                    "min_available",
                    self.min_available,
                    f"an integer below autoscaling.min_replicas ({min_replicas}) so a node drain can evict a pod",
                )
        elif not isinstance(self.max_unavailable, int) or self.max_unavailable < 1:
            yield Problem(
                "max_unavailable", self.max_unavailable, "an integer of at least 1 so a node drain can evict a pod"
            )


@dataclass(frozen=True, kw_only=True)
class ComponentConfig:
    """One Gorax component (API or worker): image, size, scale, disruption budget and shutdown grace."""

    image: Image
    resources: Resources
    autoscaling: Autoscaling
    disruption_budget: DisruptionBudget | None = field(default_factory=DisruptionBudget)
    """``None``: no PodDisruptionBudget at all (previews: nothing there is worth blocking a drain for)."""
    termination_grace_seconds: int = 30

    def problems(self, tier: Tier) -> Iterator[Problem]:
        yield from (p.under("image") for p in self.image.problems(tier))
        yield from (p.under("resources") for p in self.resources.problems())
        autoscaling = list(self.autoscaling.problems())
        yield from (p.under("autoscaling") for p in autoscaling)
        if not autoscaling:
            budget = self.disruption_budget.problems(self.autoscaling.min_replicas) if self.disruption_budget else ()
            yield from (p.under("disruption_budget") for p in budget)
        grace = self.termination_grace_seconds
        if not is_integer(grace, 1, 3600):
            yield Problem("termination_grace_seconds", grace, "an integer from 1 to 3600")
