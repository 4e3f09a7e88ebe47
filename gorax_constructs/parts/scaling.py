"""How a workload scales: our HorizontalPodAutoscaler, or a KEDA ScaledObject that owns one.

The HPA behaviour is the guide's; the queue-depth signal (``QueueDepth``) comes from Prometheus
(``gorax_queue_depth``, through Prometheus Adapter or KEDA's ``prometheus`` scaler) for builds that
record it, or from the SQS queue itself (KEDA's ``aws-sqs-queue`` scaler), which the upstream
binaries need: they never record ``gorax_queue_depth``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..configuration.components import QUEUE_METRIC, Autoscaling, QueueDepth
from ..configuration.naming import Component, Naming

if TYPE_CHECKING:
    from ..configuration.dependencies import SqsQueue

KEDA_API = "keda.sh/v1alpha1"


def _scaling_policy(stabilization: int, percent: int, pods: int, period: int, select: str) -> dict[str, Any]:
    return {
        "stabilizationWindowSeconds": stabilization,
        "policies": [
            {"type": "Percent", "value": percent, "periodSeconds": period},
            {"type": "Pods", "value": pods, "periodSeconds": period},
        ],
        "selectPolicy": select,
    }


# The guide's HPA behaviour: the API scales up fast and down carefully; workers
# scale down slower still, since each scale-down waits out in-flight workflows.
API_BEHAVIOR = {
    "scaleUp": _scaling_policy(0, 100, 4, 30, "Max"),
    "scaleDown": _scaling_policy(300, 50, 2, 60, "Min"),
}
WORKER_BEHAVIOR = {
    "scaleUp": _scaling_policy(60, 50, 5, 60, "Max"),
    "scaleDown": _scaling_policy(600, 25, 1, 120, "Min"),
}


def _utilization(resource: str, percent: int) -> dict[str, Any]:
    return {
        "type": "Resource",
        "resource": {"name": resource, "target": {"type": "Utilization", "averageUtilization": percent}},
    }


def _scaled_object(
    naming: Naming,
    component: Component,
    target: dict[str, str],
    hpa_name: str,
    scaling: Autoscaling,
    behavior: dict[str, Any],
    sqs: SqsQueue | None,
) -> dict[str, Any]:
    """A KEDA ``ScaledObject``: KEDA creates and owns the HPA, so the workload emits none of its own.

    The HPA KEDA makes gets our name (``<prefix>-gorax-worker-hpa``, so the runbook's ``kubectl describe
    hpa`` still works), our range and our behaviour; CPU and memory stay as triggers next to the queue. KEDA
    polls Prometheus (``keda``) or SQS (``keda-aws-sqs``) itself; either target is an ``AverageValue`` per replica.
    ``minReplicaCount`` is at least 1 (config), so KEDA never scales the workers to zero. Argo CD has a
    built-in ScaledObject health check (argo-cd resource_customizations/keda.sh/ScaledObject/health.lua:
    Healthy once KEDA reports ``Ready``).
    """
    queue = scaling.queue_depth
    assert queue is not None
    triggers = [
        _queue_trigger(naming, queue, sqs),
        {"type": "cpu", "metricType": "Utilization", "metadata": {"value": str(scaling.cpu_utilization)}},
        {"type": "memory", "metricType": "Utilization", "metadata": {"value": str(scaling.memory_utilization)}},
    ]
    metadata = naming.metadata(naming.name(component.name), component=component.name)
    # Switching an environment from our HPA to KEDA: the old HPA (same name) still exists when the
    # ScaledObject is applied, and KEDA's admission webhook refuses a second autoscaler for one Deployment.
    # This annotation (with the HPA's name in advanced) lets the webhook admit it (scaledobject_webhook.go,
    # KEDA v2.20.2); Argo CD then prunes the old HPA (PruneLast) and KEDA recreates it: no adoption.
    metadata["annotations"] = {"scaledobject.keda.sh/transfer-hpa-ownership": "true"}
    return {
        "apiVersion": KEDA_API,
        "kind": "ScaledObject",
        "metadata": metadata,
        "spec": {
            "scaleTargetRef": target,
            "minReplicaCount": scaling.min_replicas,
            "maxReplicaCount": scaling.max_replicas,
            "advanced": {"horizontalPodAutoscalerConfig": {"name": hpa_name, "behavior": behavior}},
            "triggers": triggers,
        },
    }


def _queue_trigger(naming: Naming, queue: QueueDepth, sqs: SqsQueue | None) -> dict[str, Any]:
    """The queue-depth trigger of the ScaledObject."""
    if queue.implementation == "keda-aws-sqs":
        if sqs is None:  # EnvironmentConfig refuses it; a bare WorkerPool needs its ``queue`` prop
            raise ValueError(f"{naming.name('worker')}: queue_depth keda-aws-sqs reads an SQS queue: pass queue=")
        # kedacore/keda pkg/scalers/aws_sqs_queue_scaler.go (v2.20): queueURL, awsRegion, queueLength
        # (messages per replica, default 5); in-flight messages count too (scaleOnInFlight, default true),
        # so a long-running execution keeps its worker.
        return {
            "type": "aws-sqs-queue",
            "name": "queue-depth",
            "metricType": "AverageValue",
            "authenticationRef": {"name": sqs_authentication_name(naming)},
            "metadata": {
                "queueURL": sqs.queue_url,
                "awsRegion": sqs.aws_region,
                "queueLength": str(queue.target_per_worker),
            },
        }
    selector = f'namespace="{naming.namespace}",queue="{queue.queue}"'
    return {
        "type": "prometheus",
        "name": "queue-depth",
        "metricType": "AverageValue",
        "metadata": {
            "serverAddress": queue.prometheus_url,
            # max: several pods may report the same queue; summing them would overcount.
            "query": f"max({QUEUE_METRIC}{{{selector}}})",
            "threshold": str(queue.target_per_worker),
        },
    }


def sqs_authentication_name(naming: Naming) -> str:
    return naming.name("worker", "sqs")


def sqs_trigger_authentication(naming: Naming, component: Component) -> dict[str, Any]:
    """How KEDA signs in to SQS: as the workers' own IAM role, no access keys.

    ``podIdentity.provider: aws`` with ``identityOwner: workload``: KEDA reads the role ARN from the
    annotation ``eks.amazonaws.com/role-arn`` of the scaled Deployment's ServiceAccount (the environment's
    ``AwsIrsa``) and assumes it with the KEDA operator's own credentials (kedacore/keda
    pkg/scaling/resolver/scale_resolvers.go ``ResolveAuthRefAndPodIdentity``;
    apis/keda/v1alpha1/triggerauthentication_types.go ``AuthPodIdentity``). So the role's trust policy must
    allow the KEDA operator's role to ``sts:AssumeRole`` it (docs/configuration.md, "Autoscaling on queue depth").
    """
    return {
        "apiVersion": KEDA_API,
        "kind": "TriggerAuthentication",
        "metadata": naming.metadata(sqs_authentication_name(naming), component=component.name),
        "spec": {"podIdentity": {"provider": "aws", "identityOwner": "workload"}},
    }


def autoscaler(
    naming: Naming,
    component: Component,
    deployment: str,
    scaling: Autoscaling,
    behavior: dict[str, Any],
    sqs: SqsQueue | None = None,
) -> list[dict[str, Any]]:
    """The objects that scale ``deployment``: an HPA, or a ScaledObject (and its TriggerAuthentication).

    ``sqs``: the environment's queue, which the ``keda-aws-sqs`` implementation reads.
    """
    hpa_name = naming.name(component.name, "hpa")
    target = {"apiVersion": "apps/v1", "kind": "Deployment", "name": deployment}
    queue = scaling.queue_depth
    if queue is not None and queue.implementation in ("keda", "keda-aws-sqs"):
        objects = [_scaled_object(naming, component, target, hpa_name, scaling, behavior, sqs)]
        if queue.implementation == "keda-aws-sqs":
            objects.append(sqs_trigger_authentication(naming, component))
        return objects
    metrics = [_utilization("cpu", scaling.cpu_utilization), _utilization("memory", scaling.memory_utilization)]
    if queue is not None:
        # Served by Prometheus Adapter's external metrics API (docs/configuration.md, "Autoscaling
        # on queue depth", has the rule): the adapter scopes the query to this HPA's namespace.
        metrics.append(
            {
                "type": "External",
                "external": {
                    "metric": {"name": QUEUE_METRIC, "selector": {"matchLabels": {"queue": queue.queue}}},
                    "target": {"type": "AverageValue", "averageValue": str(queue.target_per_worker)},
                },
            }
        )
    return [
        {
            "apiVersion": "autoscaling/v2",
            "kind": "HorizontalPodAutoscaler",
            "metadata": naming.metadata(hpa_name, component=component.name),
            "spec": {
                "scaleTargetRef": target,
                "minReplicas": scaling.min_replicas,
                "maxReplicas": scaling.max_replicas,
                "metrics": metrics,
                "behavior": behavior,
            },
        }
    ]
