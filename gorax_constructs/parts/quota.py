"""A ResourceQuota and a LimitRange for a preview namespace, derived from the chart's own pods."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

import cdk8s
from constructs import Construct

from ..configuration.naming import Naming
from ..configuration.quantities import cpu_millicores, memory_bytes
from .manifest import Body, ChartPart

RESOURCES = ("cpu", "memory")


def pod_budget(objects: list[Body]) -> Iterator[tuple[int, Body]]:
    """(most pods the quota charges at once, pod template) for each workload of the chart.

    The quota charges a deleted pod until it is gone, up to twice its grace period (``QuotaV1Pod``,
    kubernetes pkg/quota/v1/evaluator/core/pods.go): a worker draining for 300 s still counts. A
    Deployment at its HPA's ``maxReplicas`` (N) rolls with at most N + ``maxSurge`` pods not terminating;
    a second rollout that starts while the first one's N old pods terminate deletes N more: so
    N + maxSurge + 2N (``tests/test_preview_quota.py`` simulates it). The migration Job runs
    ``parallelism`` pods (default 1); the previous run's pods are finished, which the quota ignores.
    """
    maxima = {
        hpa["spec"]["scaleTargetRef"]["name"]: hpa["spec"]["maxReplicas"]
        for hpa in objects
        if hpa["kind"] == "HorizontalPodAutoscaler"
    }
    for obj in objects:
        if obj["kind"] == "Deployment":
            name = obj["metadata"]["name"]
            most = maxima.get(name, obj["spec"].get("replicas", 1))
            surge = obj["spec"].get("strategy", {}).get("rollingUpdate", {}).get("maxSurge", 1)
            yield most + surge + 2 * most, obj["spec"]["template"]
        elif obj["kind"] == "Job":
            yield obj["spec"].get("parallelism", 1), obj["spec"]["template"]


def _amount(resource: str, quantity: str) -> Decimal:
    return cpu_millicores(quantity) if resource == "cpu" else Decimal(memory_bytes(quantity))


def _quantity(resource: str, amount: Decimal) -> str:
    if resource == "cpu":
        return f"{int(amount)}m"
    return f"{int(amount) // 2**20}Mi" if amount % 2**20 == 0 else str(int(amount))


class NamespaceQuota(ChartPart):
    """``<prefix>-gorax-quota`` (ResourceQuota) and ``<prefix>-gorax-limits`` (LimitRange), so one preview
    cannot starve the others of the shared development cluster.

    Both are computed from the pods the chart already holds, so they always admit them: the quota is
    the sum over workloads of (most pods charged at once, terminating ones included: ``pod_budget``
    x each container's requests and limits), the
    LimitRange's ``max`` the largest container limits and its defaults the smallest container's
    values (for a pod started by hand without resources, which the quota would otherwise reject).

    Props:
        naming: names and labels.
        workloads: the parts whose pods the quota admits (their Deployments, HPAs and Jobs as emitted,
            patches not applied).
    """

    def __init__(self, scope: Construct, id: str, *, naming: Naming, workloads: Sequence[ChartPart]) -> None:
        super().__init__(scope, id)
        totals: dict[str, Decimal] = {}
        pods = 0
        containers: list[dict[str, Any]] = []
        for count, template in pod_budget(_bodies(workloads)):
            pods += count
            for container in template["spec"]["containers"]:
                containers.append(container["resources"])
                for kind in ("requests", "limits"):
                    for resource in RESOURCES:
                        amount = _amount(resource, container["resources"][kind][resource]) * count
                        totals[f"{kind}.{resource}"] = totals.get(f"{kind}.{resource}", Decimal(0)) + amount
        hard = {key: _quantity(key.split(".")[1], amount) for key, amount in sorted(totals.items())}
        self.add_manifest(
            {
                "apiVersion": "v1",
                "kind": "ResourceQuota",
                "metadata": naming.metadata(naming.name("quota")),
                "spec": {"hard": {"pods": str(pods), **hard}},
            }
        )

        def extreme(kind: str, pick: Any) -> dict[str, str]:
            return {r: pick((c[kind][r] for c in containers), key=lambda q, r=r: _amount(r, q)) for r in RESOURCES}

        self.add_manifest(
            {
                "apiVersion": "v1",
                "kind": "LimitRange",
                "metadata": naming.metadata(naming.name("limits")),
                "spec": {
                    "limits": [
                        {
                            "type": "Container",
                            "max": extreme("limits", max),
                            "default": extreme("limits", min),
                            "defaultRequest": extreme("requests", min),
                        }
                    ]
                },
            }
        )


def _bodies(parts: Sequence[ChartPart]) -> list[Body]:
    """The objects the parts emitted: their chart's plain-dict bodies, or (in an ordinary chart) their ApiObjects."""
    bodies: list[Body] = []
    for part in parts:
        if part.chart is not None:
            bodies += [body for body, by in part.chart.objects([]) if f"{by}/".startswith(f"{part.path}/")]
        else:
            bodies += [c.to_json() for c in part.node.find_all() if isinstance(c, cdk8s.ApiObject)]
    return bodies
