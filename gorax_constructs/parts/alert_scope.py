"""PromQL building blocks of the alert rules, scoped to one environment's namespace or to every preview's.

Which exporter labels what (the label sets the rules match):

* our monitors (prometheus-operator): ``up`` and ``gorax_*`` with ``namespace``, ``service``, ``pod``,
  ``job`` (relabelled to ``gorax-api`` / ``gorax-worker``), ``container``, ``endpoint`` and ``tier``;
* kube-state-metrics (scraped with ``honorLabels``, so ``namespace`` is the object's):
  ``kube_deployment_status_replicas_available{namespace,deployment}``,
  ``kube_pod_container_status_restarts_total{namespace,pod,container}``,
  ``kube_horizontalpodautoscaler_*{namespace,horizontalpodautoscaler}``, ``kube_job_status_failed{namespace,job_name}``;
* cAdvisor (the kubelet's ``/metrics/cadvisor``): ``container_*{namespace,pod,container}``;
* the edge. ingress-nginx (``internal/ingress/metric/collectors/socket.go``) labels
  ``nginx_ingress_controller_requests`` with the Ingress's ``namespace``, ``ingress``, ``status``,
  ``path`` (the Ingress rule's, not the request's) ...; its chart's ServiceMonitor sets ``honorLabels``
  only when ``controller.metrics.serviceMonitor.honorLabels`` is (``templates/controller-servicemonitor.yaml``;
  unset in ``values.yaml``), so that label arrives as ``exported_namespace``
  (``monitoring.edge_namespace_label``). Envoy Gateway names an HTTPRoute rule's cluster
  ``httproute/<namespace>/<name>/rule/<n>`` (``internal/gatewayapi/helpers.go``,
  ``irRouteDestinationName``), the proxies' ``envoy_cluster_name``.

Edge series never see the kubelet's probes (they reach the pods directly) nor ``/metrics``
(``edge.blocked_paths`` are refused at the edge, by an Ingress of their own that the rules leave out).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..configuration.naming import APP, Naming
from ..configuration.previews import NAME_PREFIX

if TYPE_CHECKING:
    from ..configuration.model import EnvironmentConfig

PREVIEW_SELECTOR = 'tier="preview"'
"""What selects every preview's scraped series: the monitors of a preview set the target label ``tier``."""
PREVIEW_NAMESPACES = f'namespace=~"gorax-{NAME_PREFIX}.+"'
"""Every preview runs in ``gorax-pr-*`` (``configuration/previews.py``); ``PREVIEW_MARKER`` says which are live."""
PREVIEW_QUOTA = f'kube_resourcequota{{{PREVIEW_NAMESPACES},resourcequota=~".+-{APP}-quota"}}'
"""Only a preview has the ResourceQuota ``<name>-gorax-quota`` (``parts/quota.py``), whatever its pods do."""
PREVIEW_MARKER = (
    f"group by (namespace) ({PREVIEW_QUOTA})\n"
    f'and on (namespace)\nkube_namespace_status_phase{{{PREVIEW_NAMESPACES},phase="Active"}} == 1'
)
"""The namespaces that are live previews: their quota is there and the namespace is not being deleted
(``Terminating`` while a deleted preview's pods take their grace period to go)."""
PREVIEW_ENVIRONMENT = 'label_replace({}, "environment", "$1", "namespace", "gorax-(.+)")'
"""A preview's ``environment`` label, its name, read from its namespace ``gorax-<name>``."""
ENVOY_ROUTE = "httproute/{}/.+"
WINDOW = "5m"


class Scope:
    """Selectors and expressions for one environment (``namespace="<ns>"``) or every preview.

    ``env`` gives the sizes and thresholds (development's for the previews). A previews scope keeps the
    ``namespace`` label in every expression and joins what it reads to ``PREVIEW_MARKER``, so each
    preview alerts on its own and a deleted preview has nothing left to alert on.
    """

    def __init__(self, env: EnvironmentConfig, *, previews: bool = False, namespace: str | None = None) -> None:
        """``namespace``: another namespace value (a dashboard's ``$namespace``) for a one-namespace scope."""
        self.env = env
        self.previews = previews
        self.naming = Naming.of(env)
        self.t = env.monitoring.thresholds
        self.floor = env.monitoring.min_traffic
        self.namespace_value = namespace or env.namespace
        self.namespace = PREVIEW_NAMESPACES if previews else f'namespace="{self.namespace_value}"'

    # Selectors ----------------------------------------------------------------------------------------------

    def __call__(self, metric: str, matchers: str = "") -> str:
        """A series of our own targets: ``metric{<namespace or tier="preview">,<matchers>}``."""
        scope = PREVIEW_SELECTOR if self.previews else self.namespace
        return f"{metric}{{{scope}{',' + matchers if matchers else ''}}}"

    def kube(self, metric: str, matchers: str = "") -> str:
        """A kube-state-metrics or cAdvisor series of the namespace (every ``gorax-*`` for the previews)."""
        return f"{metric}{{{self.namespace}{',' + matchers if matchers else ''}}}"

    def named(self, label: str, *parts: str) -> str:
        """``label="<prefix>-gorax-<parts>"``; for the previews any prefix."""
        if self.previews:
            return f'{label}=~".+-{APP}-{"-".join(parts)}"'
        return f'{label}="{self.naming.name(*parts)}"'

    def previews_only(self, expr: str) -> str:
        """For the previews, ``expr`` where the namespace is a preview's; else ``expr``."""
        return f"({expr})\nand on (namespace)\n{PREVIEW_MARKER}" if self.previews else expr

    # Shapes -------------------------------------------------------------------------------------------------

    def sum(self, series: str, by: str = "namespace") -> str:
        return f"sum by ({by}) ({series})"

    def rate(self, series: str, by: str = "namespace") -> str:
        return f"sum by ({by}) (rate({series}[{WINDOW}]))"

    def zero_or_absent(self, expr: str) -> str:
        """``expr`` (one value per namespace) is 0, or has no series although the environment is there.

        One namespace: ``or on () vector(0)`` stands in for a missing series. The previews: a preview is
        there while its marker is, and ``unless`` keeps those without ``expr > 0``.
        """
        if not self.previews:
            return f"({expr} or on () vector(0)) == 0"
        return f"{PREVIEW_MARKER}\nunless on (namespace)\n{expr} > 0"

    def ratio(self, bad: str, every: str, threshold: float, floor: float, by: str = "namespace") -> str:
        """``bad / every`` above ``threshold`` where ``every`` (a rate) reaches ``floor``; the ratio is the value."""
        return f"({bad} / {every}) > {threshold}\nand on ({by})\n{every} >= {floor}"

    # The edge -----------------------------------------------------------------------------------------------

    def edge_rate(self, errors: bool = False) -> str:
        """Requests per second (or 5xx answers) at the edge, ``by (namespace)`` the environment's."""
        if self.env.edge.mode == "gateway-api":
            matchers = f'envoy_cluster_name=~"{ENVOY_ROUTE.format(self._route_namespace())}"'
            if errors:
                matchers += ',envoy_response_code_class="5"'
            series = f"rate(envoy_cluster_upstream_rq_xx{{{matchers}}}[{WINDOW}])"
            source = ("envoy_cluster_name", "httproute/([^/]+)/.*")
        else:
            label = self.env.monitoring.edge_namespace_label
            matchers = self._ingress_matchers(label) + (',status=~"5.."' if errors else "")
            series = f"rate(nginx_ingress_controller_requests{{{matchers}}}[{WINDOW}])"
            source = (label, "(.*)")
        return f"sum by (namespace) ({self._namespaced(series, *source)})"

    def edge_p95(self) -> str:
        """The 95th percentile of the edge's request duration in seconds, ``by (namespace)``."""
        if self.env.edge.mode == "gateway-api":
            matchers = f'envoy_cluster_name=~"{ENVOY_ROUTE.format(self._route_namespace())}"'
            series = f"rate(envoy_cluster_upstream_rq_time_bucket{{{matchers}}}[{WINDOW}])"
            namespaced = self._namespaced(series, "envoy_cluster_name", "httproute/([^/]+)/.*")
            return f"histogram_quantile(0.95, sum by (namespace, le) ({namespaced})) / 1000"  # Envoy: milliseconds
        label = self.env.monitoring.edge_namespace_label
        matchers = self._ingress_matchers(label)
        series = f"rate(nginx_ingress_controller_request_duration_seconds_bucket{{{matchers}}}[{WINDOW}])"
        return f"histogram_quantile(0.95, sum by (namespace, le) ({self._namespaced(series, label, '(.*)')}))"

    def _route_namespace(self) -> str:
        return f"gorax-{NAME_PREFIX}[^/]+" if self.previews else self.namespace_value

    def _ingress_matchers(self, label: str) -> str:
        namespace = self.namespace.replace("namespace", label, 1)
        return f'{namespace},ingress!~".+-{APP}-blocked-ingress"'

    @staticmethod
    def _namespaced(series: str, label: str, regex: str) -> str:
        """``series`` with ``namespace`` set from ``label`` (the edge's own ``namespace`` is its controller's)."""
        if label == "namespace":
            return series
        return f'label_replace({series}, "namespace", "$1", "{label}", "{regex}")'
