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

Commands, ports, probe paths and metrics come from the application contract
(``EnvironmentConfig.contract``, read from the binaries' source): the API is probed on
``/health`` and ``/ready``, the worker on ``/health/live`` and ``/health/ready`` of its
health server. No startup probe unless the contract names one: the binaries serve
their liveness path as soon as they listen (migrations run before, in a Sync-hook Job),
so the guide's liveness delay covers start-up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from constructs import Construct

from ..configuration.contract import Metrics, Process
from ..configuration.model import ComponentConfig
from ..configuration.naming import API, API_SERVICE_PORT, WORKER, Component, Naming
from ..configuration.secrets import DATABASE_PASSWORD, ENCRYPTION_KEY, JWT_SECRET
from .appconfig import AppConfig
from .manifest import ChartPart
from .pods import (
    CHECKSUM_ANNOTATION,
    EnvVar,
    container_env,
    container_security_context,
    image_pull_policy,
    literal_env,
    node_name_env,
    pod_security_context,
    pod_template_metadata,
    redis_password_env,
    resources,
    scratch_volumes,
)
from .process import command, container_ports, metrics_port_name, probes
from .scaling import API_BEHAVIOR, WORKER_BEHAVIOR, autoscaler
from .secrets import SecretRefs

if TYPE_CHECKING:
    from ..configuration.dependencies import SqsQueue

HOSTNAME = "kubernetes.io/hostname"
ZONE = "topology.kubernetes.io/zone"


class Workload(ChartPart):
    """A Deployment scaled by an HPA and protected by a PDB: what the API and the worker share.

    Props:
        naming: the environment's naming rule.
        component: which Gorax process (its name, container name and port name).
        config: image, resources, autoscaling, disruption budget, termination grace.
        process: the application contract of the process (command, port, probes, metrics).
        metrics: where the process serves metrics (``contract.served_metrics``), or ``None``.
        container: the component-specific container fields (env, probes, mounts ...).
        pod_spec: component-specific pod spec fields (affinity, volumes ...).
        annotations: pod-template annotations (the config checksum).
        strategy: the Deployment's rollout strategy.
        behavior: the HPA's scale-up/scale-down behaviour.
        service_account_name: the pods' ServiceAccount.
        pod_labels: labels the platform needs on the pods (a workload identity's).
        zone_spread: spread the pods over zones, strictly.
        queue: the SQS queue a ``keda-aws-sqs`` queue-depth autoscaler reads.

    Exposes ``name`` (the Deployment's), ``selector`` (its pods' immutable labels), ``process``,
    ``metrics`` and ``metrics_port_name`` (``None`` when it serves no metrics): what the edge, the
    NetworkPolicies and the monitors select and scrape.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        component: Component,
        config: ComponentConfig,
        process: Process,
        metrics: Metrics | None,
        container: dict[str, Any],
        pod_spec: dict[str, Any],
        annotations: dict[str, str],
        strategy: dict[str, Any],
        behavior: dict[str, Any],
        service_account_name: str,
        pod_labels: Mapping[str, str],
        zone_spread: bool,
        queue: SqsQueue | None,
    ) -> None:
        super().__init__(scope, id)
        self.name = naming.name(component.name)
        self.selector = naming.selector(component.name)
        self.component = component
        self.process = process
        self.metrics = metrics
        self.metrics_port_name = metrics_port_name(component, process, metrics)
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
                    **command(process),
                    "ports": container_ports(component, process, metrics),
                    **container,
                    "resources": resources(config),
                    "securityContext": container_security_context(),
                }
            ],
            **pod_spec,
        }
        if zone_spread:
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
                        "metadata": pod_template_metadata(
                            naming, component.name, version or "", annotations, pod_labels
                        ),
                        "spec": spec,
                    },
                },
            },
        )
        for body in autoscaler(naming, component, self.name, config.autoscaling, behavior, queue):
            self.add_manifest(body)
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


class ApiService(Workload):
    """The API: HTTP requests, webhook ingestion, workflow management; a Deployment behind a ClusterIP Service.

    Props:
        naming: names and labels.
        config: the component's settings (image, resources, autoscaling, disruption budget, grace).
        process: the application contract of the process (command, port, probes, metrics endpoint).
        metrics: where it serves metrics (``contract.served_metrics``; default ``None``: nowhere).
        tier: ``APP_ENV`` (``development``, ``staging``, ``production``).
        app_config: the application ConfigMap (the settings the component reads).
        secrets: the environment's Secret (its keys, and the CSI volume if any).
        service_account_name: the pods' ServiceAccount (``Platform``'s).
        pod_labels: labels the platform needs on the pods (``Platform.pod_labels``; default none).
        zone_spread: spread the pods over zones (default ``False``).
        extra_env: variables appended to the container's env (default none).

    Exposes ``service_name`` and ``service_port`` (80), the backend the edge routes to, besides
    ``Workload``'s handles.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        config: ComponentConfig,
        process: Process,
        tier: str,
        app_config: AppConfig,
        secrets: SecretRefs,
        service_account_name: str,
        metrics: Metrics | None = None,
        pod_labels: Mapping[str, str] | None = None,
        zone_spread: bool = False,
        extra_env: Sequence[EnvVar] = (),
    ) -> None:
        config_env = app_config.env_for(API.name)
        env = container_env(
            literal_env({"APP_ENV": tier, "SERVER_ADDRESS": f":{process.port}"}),
            [
                secrets.env("DB_PASSWORD", DATABASE_PASSWORD),
                secrets.env("JWT_SECRET", JWT_SECRET),
                secrets.env("ENCRYPTION_KEY", ENCRYPTION_KEY),
                *redis_password_env(secrets),
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
            process=process,
            metrics=metrics,
            container={
                "env": env,
                **probes(
                    API,
                    process,
                    live={"delay": 10, "period": 10, "timeout": 5},
                    ready={"delay": 5, "period": 5, "timeout": 3},
                ),
                "volumeMounts": mounts,
            },
            pod_spec={"volumes": volumes},
            annotations={CHECKSUM_ANNOTATION: app_config.checksum_for(API.name)},
            strategy={"maxSurge": 1, "maxUnavailable": 0},
            behavior=API_BEHAVIOR,
            service_account_name=service_account_name,
            pod_labels=pod_labels or {},
            zone_spread=zone_spread,
            queue=None,
        )
        self.service_name = naming.name(API.name)
        self.service_port = API_SERVICE_PORT
        self.add_manifest(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {
                    "name": self.service_name,
                    "namespace": naming.namespace,
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
    """The workers: execute workflow steps asynchronously; their health server on the named port ``health``.

    Pods get ``terminationGracePeriodSeconds`` from config (300 by default, at
    least the step timeout) so a scale-down or drain lets in-flight steps
    finish, and prefer distinct nodes (anti-affinity scoped to this
    environment's workers only).

    Props:
        naming: names and labels.
        config: the component's settings (image, resources, autoscaling, disruption budget, grace).
        process: the application contract of the process (command, port, probes, metrics endpoint).
        metrics: where it serves metrics (``contract.served_metrics``; default ``None``: nowhere).
        tier: ``APP_ENV`` (``development``, ``staging``, ``production``).
        app_config: the application ConfigMap (the settings the component reads).
        secrets: the environment's Secret (its keys, and the CSI volume if any).
        service_account_name: the pods' ServiceAccount (``Platform``'s).
        pod_labels: labels the platform needs on the pods (``Platform.pod_labels``; default none).
        zone_spread: spread the pods over zones (default ``False``).
        extra_env: variables appended to the container's env (default none).
        queue: the SQS queue, read by a ``keda-aws-sqs`` queue-depth autoscaler (default ``None``).

    Exposes ``Workload``'s handles (the upstream worker serves no metrics: ``metrics_port_name`` is ``None``).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        config: ComponentConfig,
        process: Process,
        tier: str,
        app_config: AppConfig,
        secrets: SecretRefs,
        service_account_name: str,
        metrics: Metrics | None = None,
        pod_labels: Mapping[str, str] | None = None,
        zone_spread: bool = False,
        queue: SqsQueue | None = None,
        extra_env: Sequence[EnvVar] = (),
    ) -> None:
        config_env = app_config.env_for(WORKER.name)
        env = container_env(
            [node_name_env()],
            literal_env({"APP_ENV": tier, "WORKER_HEALTH_PORT": str(process.port)}),
            [
                secrets.env("DB_PASSWORD", DATABASE_PASSWORD),
                secrets.env("ENCRYPTION_KEY", ENCRYPTION_KEY),
                *redis_password_env(secrets),
            ],
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
            process=process,
            metrics=metrics,
            container={
                "env": env,
                **probes(
                    WORKER,
                    process,
                    live={"delay": 15, "period": 20, "timeout": 5},
                    ready={"delay": 10, "period": 10, "timeout": 3},
                ),
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
            annotations={CHECKSUM_ANNOTATION: app_config.checksum_for(WORKER.name)},
            strategy={"maxSurge": 2, "maxUnavailable": 0},
            behavior=WORKER_BEHAVIOR,
            service_account_name=service_account_name,
            pod_labels=pod_labels or {},
            zone_spread=zone_spread,
            queue=queue,
        )
