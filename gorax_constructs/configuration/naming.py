"""The one naming and labelling rule.

Object names keep the old kustomize prefix scheme (``dev-gorax-api``,
``prod-gorax-api-hpa``) so every command in the deployment guide's runbook
still resolves. Pods keep the guide's ``app=gorax`` and ``component=...``
labels for ``kubectl logs -l``; selectors use only the stable
``app.kubernetes.io/{name,instance,component}`` labels, never a label derived
from the construct path, because a Deployment's selector is immutable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .dns import is_label_value

if TYPE_CHECKING:  # config imports the edge section, which imports naming: no runtime import here.
    from .model import EnvironmentConfig

APP = "gorax"
MANAGED_BY = "cdk8s"


@dataclass(frozen=True)
class Component:
    """A Gorax process: its label value, container name and the name of its one port.

    The port's number, the probe paths and the metrics endpoint are the application contract's
    (``contract.py``, ``EnvironmentConfig.contract``).
    """

    name: str
    port_name: str


API = Component(name="api", port_name="http")
WORKER = Component(name="worker", port_name="health")
METRICS_PORT_NAME = "metrics"
"""The name of a separate metrics port, for a build whose contract serves metrics on a port of its own."""
API_SERVICE_PORT = 80
COMPONENT_LABEL = "app.kubernetes.io/component"
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"  # set by the API server on every namespace since 1.22
NGINX = "nginx.ingress.kubernetes.io/"  # ingress-nginx annotation prefix


@dataclass(frozen=True)
class Naming:
    """Names and labels of one environment's objects, nothing else: a construct that needs a setting takes
    it as a prop of its own (``Naming.of(env)`` for an environment).

    Props:
        prefix: the object-name prefix (``dev`` in ``dev-gorax-api``).
        environment: the ``environment`` label's value.
        namespace: the namespace of every namespaced object.
        extra_labels: labels added to every object (default none).
    """

    prefix: str
    environment: str
    namespace: str
    extra_labels: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, env: EnvironmentConfig) -> Naming:
        """The environment's naming: its prefix, name, namespace and extra labels."""
        return cls(env.prefix, env.name, env.namespace, env.extra_labels)

    @property
    def instance(self) -> str:
        """``app.kubernetes.io/instance``: unique per environment, stable across refactors."""
        return f"{self.prefix}-{APP}"

    def name(self, *parts: str) -> str:
        """``<prefix>-gorax[-part...]``, the guide's object names."""
        return "-".join((self.instance, *parts))

    def labels(self) -> dict[str, str]:
        """Labels on every namespaced object of the environment."""
        return {
            "app": APP,
            "app.kubernetes.io/name": APP,
            "app.kubernetes.io/instance": self.instance,
            "app.kubernetes.io/part-of": APP,
            "app.kubernetes.io/managed-by": MANAGED_BY,
            "environment": self.environment,
            **dict(self.extra_labels),
        }

    def component_labels(self, component: str, version: str | None = None) -> dict[str, str]:
        """Labels of a component's objects and pods: the common ones plus the guide's ``component``."""
        labels = self.labels()
        labels[COMPONENT_LABEL] = component
        labels["component"] = component
        if version is not None and is_label_value(version, empty=False):
            labels["app.kubernetes.io/version"] = version
        return labels

    def selector(self, component: str) -> dict[str, str]:
        """The immutable selector of a component's pods."""
        return {
            "app.kubernetes.io/name": APP,
            "app.kubernetes.io/instance": self.instance,
            COMPONENT_LABEL: component,
        }

    def metadata(self, name: str, *, component: str | None = None, version: str | None = None) -> dict[str, object]:
        labels = self.component_labels(component, version) if component else self.labels()
        return {"name": name, "namespace": self.namespace, "labels": labels}
