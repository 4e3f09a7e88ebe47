"""The two Gorax components: the API service and the worker pool.

Each is a Deployment with its HorizontalPodAutoscaler (or, for workers scaling on
queue depth through KEDA, a ScaledObject whose HPA KEDA owns) and PodDisruptionBudget
(the API also has its ClusterIP Service). Values come from the deployment
guide; what the old kustomize setup got wrong is fixed here:

- no ``spec.replicas`` on an autoscaled Deployment (a GitOps sync would reset
  the autoscaler's count on every sync);
- a disruption budget that always lets a node drain evict one pod;
- ``seccompProfile: RuntimeDefault`` so a namespace enforcing ``restricted``
  admits the pods;
- a checksum of the consumed configuration on the pod template, so a config
  change rolls the pods.

No startup probe: the binaries serve ``/health/live`` as soon as they listen
(migrations run before, in a Sync-hook Job), so the guide's liveness delay covers
start-up; a TCP startup probe (cdk8s-plus's default) would only prove the
port is open, which the readiness probe already checks more precisely.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from constructs import Construct

from ..configuration.model import Autoscaling, ComponentConfig
from ..configuration.naming import API, API_SERVICE_PORT, WORKER, Component, Naming
from ..configuration.secrets import DATABASE_URL, ENCRYPTION_KEY, JWT_SECRET
from .appconfig import AppConfig
from .manifest import ChartPart
from .pods import (
    CHECKSUM_ANNOTATION,
    EnvVar,
    config_checksum,
    container_env,
    container_security_context,
    image_pull_policy,
    literal_env,
    node_name_env,
    pod_security_context,
    pod_template_metadata,
    resources,
    scratch_volumes,
)
from .secrets import SecretRefs

HOSTNAME = "kubernetes.io/hostname"
ZONE = "topology.kubernetes.io/zone"


def _probe(path: str, port: str, *, delay: int, period: int, timeout: int) -> dict[str, Any]:
    return {
        "httpGet": {"path": path, "port": port, "scheme": "HTTP"},
        "initialDelaySeconds": delay,
        "periodSeconds": period,
        "timeoutSeconds": timeout,
        "successThreshold": 1,
        "failureThreshold": 3,
    }


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


class Workload(ChartPart):
    """A Deployment scaled by an HPA and protected by a PDB: what the API and the worker share.

    Props:
        naming: the environment's naming rule.
        component: which Gorax process (its name, container name and named port).
        config: image, resources, autoscaling, disruption budget, termination grace.
        container: the component-specific container fields (env, probes, mounts ...).
        pod_spec: component-specific pod spec fields (affinity, volumes ...).
        annotations: pod-template annotations (the config checksum).
        strategy: the Deployment's rollout strategy.
        behavior: the HPA's scale-up/scale-down behaviour.
        service_account_name: the pods' ServiceAccount.

    Exposes ``name`` (the Deployment's) and ``selector`` (its pods' immutable labels).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        component: Component,
        config: ComponentConfig,
        container: dict[str, Any],
        pod_spec: dict[str, Any],
        annotations: dict[str, str],
        strategy: dict[str, Any],
        behavior: dict[str, Any],
        service_account_name: str,
    ) -> None:
        super().__init__(scope, id)
        self.name = naming.name(component.name)
        self.selector = naming.selector(component.name)
        version = config.image.tag or None
        metadata = naming.metadata(self.name, component=component.name, version=version)
        spec: dict[str, Any] = {
            "serviceAccountName": service_account_name,
            "automountServiceAccountToken": False,
            "securityContext": pod_security_context(),
            "terminationGracePeriodSeconds": config.termination_grace_seconds,
            "containers": [
                {
                    "name": component.name,
                    "image": config.image.reference,
                    "imagePullPolicy": image_pull_policy(config.image),
                    "ports": [
                        {"name": component.port_name, "containerPort": component.container_port, "protocol": "TCP"}
                    ],
                    **container,
                    "resources": resources(config),
                    "securityContext": container_security_context(),
                }
            ],
            **pod_spec,
        }
        if naming.env.zone_spread:
            spec["topologySpreadConstraints"] = self._spread(component, pod_spec)
        self.add_manifest(
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": metadata,
                # No spec.replicas: the HPA owns the count.
                "spec": {
                    "selector": {"matchLabels": self.selector},
                    "strategy": {"type": "RollingUpdate", "rollingUpdate": strategy},
                    "template": {
                        "metadata": pod_template_metadata(naming, component.name, version or "", annotations),
                        "spec": spec,
                    },
                },
            },
        )
        scaling = config.autoscaling
        hpa_name = naming.name(component.name, "hpa")
        target = {"apiVersion": "apps/v1", "kind": "Deployment", "name": self.name}
        queue = scaling.queue_depth
        if queue is not None and queue.implementation == "keda":
            self.add_manifest(_scaled_object(naming, component, target, hpa_name, scaling, behavior))
        else:
            metrics = [
                _utilization("cpu", scaling.cpu_utilization),
                _utilization("memory", scaling.memory_utilization),
            ]
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
            self.add_manifest(
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
                },
            )
        budget = config.disruption_budget
        if budget is not None:
            pdb_spec: dict[str, Any] = {"selector": {"matchLabels": self.selector}}
            if budget.min_available is not None:
                pdb_spec["minAvailable"] = budget.min_available
            else:
                pdb_spec["maxUnavailable"] = budget.max_unavailable
            # A crash-looping pod must not block a drain either.
            pdb_spec["unhealthyPodEvictionPolicy"] = "AlwaysAllow"
            self.add_manifest(
                {
                    "apiVersion": "policy/v1",
                    "kind": "PodDisruptionBudget",
                    "metadata": naming.metadata(naming.name(component.name, "pdb"), component=component.name),
                    "spec": pdb_spec,
                },
            )

    def _spread(self, component: Component, pod_spec: dict[str, Any]) -> list[dict[str, Any]]:
        """Zones strictly (a zone outage keeps the others serving); nodes best-effort unless anti-affinity does it."""
        constraints = [
            {
                "maxSkew": 1,
                "topologyKey": ZONE,
                "whenUnsatisfiable": "DoNotSchedule",
                "labelSelector": {"matchLabels": self.selector},
            }
        ]
        if "affinity" not in pod_spec:
            constraints.append(
                {
                    "maxSkew": 1,
                    "topologyKey": HOSTNAME,
                    "whenUnsatisfiable": "ScheduleAnyway",
                    "labelSelector": {"matchLabels": self.selector},
                }
            )
        return constraints


def _utilization(resource: str, percent: int) -> dict[str, Any]:
    return {
        "type": "Resource",
        "resource": {"name": resource, "target": {"type": "Utilization", "averageUtilization": percent}},
    }


QUEUE_METRIC = "gorax_queue_depth"


def _scaled_object(
    naming: Naming,
    component: Component,
    target: dict[str, str],
    hpa_name: str,
    scaling: Autoscaling,
    behavior: dict[str, Any],
) -> dict[str, Any]:
    """A KEDA ``ScaledObject``: KEDA creates and owns the HPA, so the workload emits none of its own.

    The HPA KEDA makes gets our name (``<prefix>-gorax-worker-hpa``, so the runbook's ``kubectl describe
    hpa`` still works), our range and our behaviour; CPU and memory stay as triggers next to the queue. KEDA
    polls Prometheus itself (the ``prometheus`` trigger's ``threshold`` is an ``AverageValue`` per replica).
    ``minReplicaCount`` is at least 1 (config), so KEDA never scales the workers to zero. Argo CD has a
    built-in ScaledObject health check (argo-cd resource_customizations/keda.sh/ScaledObject/health.lua:
    Healthy once KEDA reports ``Ready``).
    """
    queue = scaling.queue_depth
    assert queue is not None
    selector = f'namespace="{naming.env.namespace}",queue="{queue.queue}"'
    triggers = [
        {
            "type": "prometheus",
            "name": "queue-depth",
            "metricType": "AverageValue",
            "metadata": {
                "serverAddress": queue.prometheus_url,
                # max: several pods may report the same queue; summing them would overcount.
                "query": f"max({QUEUE_METRIC}{{{selector}}})",
                "threshold": str(queue.target_per_worker),
            },
        },
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
        "apiVersion": "keda.sh/v1alpha1",
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


def _config_data(app_config: AppConfig) -> dict[str, str]:
    return {s.key: s.value for s in app_config.settings}


class ApiService(Workload):
    """The API: HTTP requests, webhook ingestion, workflow management; a Deployment behind a ClusterIP Service.

    Props (besides ``Workload``'s plumbing):
        naming, app_config, secrets, service_account_name: the environment's shared objects.
        extra_env: variables appended to the container's env (default none).

    Exposes ``service_name``, ``service_port_name`` (``http``), ``service_port`` (80) and ``selector``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        app_config: AppConfig,
        secrets: SecretRefs,
        service_account_name: str,
        extra_env: Sequence[EnvVar] = (),
    ) -> None:
        config = naming.env.api
        config_env = app_config.env_for(API.name)
        env = container_env(
            literal_env({"APP_ENV": naming.env.tier, "SERVER_ADDRESS": f":{API.container_port}"}),
            [
                secrets.env("DATABASE_URL", DATABASE_URL),
                secrets.env("JWT_SECRET", JWT_SECRET),
                secrets.env("ENCRYPTION_KEY", ENCRYPTION_KEY),
            ],
            config_env,
            extra_env=extra_env,
        )
        volumes, mounts = scratch_volumes({"tmp": "/tmp", "cache": "/app/cache"})
        volumes, mounts = volumes + secrets.volumes(), mounts + secrets.volume_mounts()
        super().__init__(
            scope,
            id,
            naming=naming,
            component=API,
            config=config,
            container={
                "env": env,
                "livenessProbe": _probe("/health/live", API.port_name, delay=10, period=10, timeout=5),
                "readinessProbe": _probe("/health/ready", API.port_name, delay=5, period=5, timeout=3),
                "volumeMounts": mounts,
            },
            pod_spec={"volumes": volumes},
            annotations={CHECKSUM_ANNOTATION: config_checksum(config_env, _config_data(app_config))},
            strategy={"maxSurge": 1, "maxUnavailable": 0},
            behavior=API_BEHAVIOR,
            service_account_name=service_account_name,
        )
        self.service_name = naming.name(API.name)
        self.service_port_name = API.port_name
        self.service_port = API_SERVICE_PORT
        self.add_manifest(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {
                    "name": self.service_name,
                    "namespace": naming.env.namespace,
                    "labels": naming.component_labels(API.name),
                },
                "spec": {
                    "type": "ClusterIP",
                    "selector": self.selector,
                    "ports": [
                        {
                            "name": API.port_name,
                            "port": API_SERVICE_PORT,
                            "targetPort": API.port_name,
                            "protocol": "TCP",
                        }
                    ],
                },
            },
        )


class WorkerPool(Workload):
    """The workers: execute workflow steps asynchronously; health and metrics on the named port ``metrics``.

    Pods get ``terminationGracePeriodSeconds`` from config (300 by default, at
    least the step timeout) so a scale-down or drain lets in-flight steps
    finish, and prefer distinct nodes (anti-affinity scoped to this
    environment's workers only).

    Props (besides ``Workload``'s plumbing):
        naming, app_config, secrets, service_account_name: the environment's shared objects.
        extra_env: variables appended to the container's env (default none).

    Exposes ``selector`` and ``metrics_port_name``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        app_config: AppConfig,
        secrets: SecretRefs,
        service_account_name: str,
        extra_env: Sequence[EnvVar] = (),
    ) -> None:
        config = naming.env.worker
        config_env = app_config.env_for(WORKER.name)
        env = container_env(
            [node_name_env()],
            literal_env({"APP_ENV": naming.env.tier, "WORKER_HEALTH_PORT": str(WORKER.container_port)}),
            [secrets.env("DATABASE_URL", DATABASE_URL), secrets.env("ENCRYPTION_KEY", ENCRYPTION_KEY)],
            config_env,
            extra_env=extra_env,
        )
        volumes, mounts = scratch_volumes({"tmp": "/tmp", "cache": "/app/cache", "workflows": "/app/workflows"})
        volumes, mounts = volumes + secrets.volumes(), mounts + secrets.volume_mounts()
        selector = naming.selector(WORKER.name)
        super().__init__(
            scope,
            id,
            naming=naming,
            component=WORKER,
            config=config,
            container={
                "env": env,
                "livenessProbe": _probe("/health/live", WORKER.port_name, delay=15, period=20, timeout=5),
                "readinessProbe": _probe("/health/ready", WORKER.port_name, delay=10, period=10, timeout=3),
                "volumeMounts": mounts,
            },
            pod_spec={
                "volumes": volumes,
                "affinity": {
                    "podAntiAffinity": {
                        "preferredDuringSchedulingIgnoredDuringExecution": [
                            {
                                "weight": 100,
                                "podAffinityTerm": {
                                    "labelSelector": {"matchLabels": selector},
                                    "topologyKey": HOSTNAME,
                                },
                            }
                        ]
                    }
                },
            },
            annotations={CHECKSUM_ANNOTATION: config_checksum(config_env, _config_data(app_config))},
            strategy={"maxSurge": 2, "maxUnavailable": 0},
            behavior=WORKER_BEHAVIOR,
            service_account_name=service_account_name,
        )
        self.metrics_port_name = WORKER.port_name
