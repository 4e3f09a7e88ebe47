"""The "At a glance" table of ``docs/environments.md``: one column per environment, one row per setting.

Alert rows show the words each rule's ``threshold`` annotation carries (the alerts module writes them,
``parts/alert_model.py``), never numbers read back out of PromQL.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..configuration.components import QUEUE_METRIC
from ..configuration.naming import API, WORKER
from .envdoc_objects import NONE, EnvironmentView, Obj, Workload, _annotations, _name, _split_image, _unique

THRESHOLD_ANNOTATION = "threshold"
COMPONENT_ORDER = (API.name, WORKER.name)


def _cell(text: str) -> str:
    """A table cell: ``|`` escaped (also inside code spans, as GitHub reads them), line breaks as ``<br>``."""
    return text.replace("|", "\\|").replace("\n", "<br>")


def _code(value: object) -> str:
    return f"`{value}`"


def _component_rank(component: str) -> tuple[int, str]:
    """API first, then the workers, then any other component by name."""
    return (COMPONENT_ORDER.index(component) if component in COMPONENT_ORDER else len(COMPONENT_ORDER), component)


def _components(views: Sequence[EnvironmentView]) -> list[str]:
    return sorted({c for v in views for c in v.deployments}, key=_component_rank)


def _title(component: str) -> str:
    return "API" if component == API.name else component


ComponentRead = Callable[[EnvironmentView, Workload], str]


def _per_component(view: EnvironmentView, component: str, read: ComponentRead) -> str:
    workload = view.deployments.get(component)
    return "—" if workload is None else read(view, workload)


def _image_tag(_view: EnvironmentView, workload: Workload) -> str:
    _, tag, digest = _split_image(str(workload.main_container.get("image", "")))
    parts = [_code(tag)] if tag else []
    if digest:
        parts.append(_code(digest[: len("sha256:") + 12] + "…"))
    return " @ ".join(parts) or "—"


def _replicas(view: EnvironmentView, workload: Workload) -> str:
    hpa = view.hpa(workload)
    scaled = view.scaled_object(workload)
    if scaled is not None:
        return f"{scaled['spec'].get('minReplicaCount', 0)}–{scaled['spec'].get('maxReplicaCount', 100)}"
    if hpa is None:
        replicas = workload.obj["spec"].get("replicas", 1)
        return f"{replicas} (no HPA)"
    return f"{hpa['spec'].get('minReplicas', 1)}–{hpa['spec']['maxReplicas']}"


def _hpa_targets(view: EnvironmentView, workload: Workload) -> str:
    hpa = view.hpa(workload)
    scaled = view.scaled_object(workload)
    targets = []
    if scaled is not None:
        for trigger in scaled["spec"].get("triggers") or []:
            metadata = trigger.get("metadata") or {}
            if trigger.get("type") in ("cpu", "memory"):
                targets.append(f"{trigger['type']} {metadata.get('value', '?')}%")
            elif trigger.get("type") == "prometheus":
                targets.append(f"queue depth {metadata.get('threshold', '?')} per pod (Prometheus)")
            elif trigger.get("type") == "aws-sqs-queue":
                targets.append(f"queue depth {metadata.get('queueLength', '?')} per pod (SQS)")
            else:
                targets.append(str(trigger.get("type")))
        return " · ".join(targets) or "—"
    if hpa is None:
        return "—"
    for metric in hpa["spec"].get("metrics") or []:
        resource = metric.get("resource") or {}
        target = resource.get("target") or {}
        external = metric.get("external") or {}
        if "averageUtilization" in target:
            targets.append(f"{resource['name']} {target['averageUtilization']}%")
        elif external:
            value = (external.get("target") or {}).get("averageValue", "?")
            name = (external.get("metric") or {}).get("name")
            label = "queue depth" if name == QUEUE_METRIC else _code(name)
            targets.append(f"{label} {value} per pod (External)")
        elif metric.get("type"):
            targets.append(f"{resource.get('name') or metric['type']} {target.get('averageValue', '?')}")
    return " · ".join(targets) or "—"


def _autoscaler(view: EnvironmentView, workload: Workload) -> str:
    scaled = view.scaled_object(workload)
    if scaled is not None:
        hpa_name = ((scaled["spec"].get("advanced") or {}).get("horizontalPodAutoscalerConfig") or {}).get("name")
        owned = f" (owns HPA {_code(hpa_name)})" if hpa_name else ""
        return f"KEDA ScaledObject {_code(_name(scaled))}{owned}"
    hpa = view.hpa(workload)
    if hpa is None:
        return NONE
    external = any(m.get("type") == "External" for m in hpa["spec"].get("metrics") or [])
    return f"HPA {_code(_name(hpa))}" + (" + Prometheus Adapter" if external else "")


def _quantity(resource: str) -> ComponentRead:
    def read(_view: EnvironmentView, workload: Workload) -> str:
        values = workload.main_container.get("resources") or {}
        request = (values.get("requests") or {}).get(resource, "—")
        limit = (values.get("limits") or {}).get(resource, "—")
        return f"{request} / {limit}"

    return read


def _pdb(view: EnvironmentView, workload: Workload) -> str:
    budgets = []
    for pdb in view.pdbs(workload):
        spec = pdb["spec"]
        budgets += [f"{key} {spec[key]}" for key in ("minAvailable", "maxUnavailable") if key in spec]
    return ", ".join(budgets) or NONE


def _hosts(view: EnvironmentView, role: str) -> str:
    hosts = [h for r in view.routes_for(role) for h in r.hosts if view.host_role(h) == role]
    return "<br>".join(_code(h) for h in _unique(hosts)) or NONE


def _edge_mode(view: EnvironmentView) -> str:
    kinds = {r.kind for r in view.routes}
    modes = [mode for kind, mode in (("Ingress", "ingress-nginx"), ("HTTPRoute", "gateway-api")) if kind in kinds]
    return " + ".join(modes) or NONE


def _ingress_class(view: EnvironmentView) -> str:
    classes = _unique(_code(r.ingress_class) for r in view.routes if r.ingress_class)
    gateways = _unique(g.markdown(listener=False) for r in view.routes for g in r.gateways)
    if classes:
        return ", ".join(classes)
    return f"— (HTTPRoutes on {', '.join(gateways)})" if gateways else "—"


def _tls(view: EnvironmentView) -> str:
    return "<br>".join(_unique(r.tls for r in view.routes)) or NONE


def _blocked(view: EnvironmentView) -> str:
    return ", ".join(_code(p) for p in view.blocked_paths) or NONE


def _destination(view: EnvironmentView) -> str:
    target = view.env.argocd
    return f"cluster `{target.cluster}`, namespace `{view.namespace}`, project `{target.project}`"


COMPONENT_ROWS: tuple[tuple[str, ComponentRead], ...] = (
    ("image tag", _image_tag),
    ("replicas (HPA min–max)", _replicas),
    ("autoscaler", _autoscaler),
    ("autoscaling signals", _hpa_targets),
    ("cpu request / limit", _quantity("cpu")),
    ("memory request / limit", _quantity("memory")),
    ("PodDisruptionBudget", _pdb),
)
HOST_ROLES = ("api", "webhooks")


def _cors(view: EnvironmentView, role: str) -> str:
    origins = [o for r in view.routes_for(role) if r.cors_origins is not None for o in r.cors_origins]
    if not origins and all(r.cors_origins is None for r in view.routes_for(role)):
        return "none (no CORS)"
    return "<br>".join(_code(o) for o in _unique(origins))


def _rate_limit(view: EnvironmentView, role: str) -> str:
    return "<br>".join(_unique(r.rate_limit for r in view.routes_for(role))) or NONE


def _secret_source(view: EnvironmentView) -> str:
    names = sorted({n for w in view.workloads for n in w.secret_names()})
    sources = []
    for secret in names:
        sealed = [s for s in view.of_kind("SealedSecret") if _template_name(s) == secret]
        sources += [f"SealedSecret {_code(_name(s))} (Sealed Secrets controller)" for s in sealed]
        provider_classes = [
            c
            for c in view.of_kind("SecretProviderClass")
            if secret in [o.get("secretName") for o in c["spec"].get("secretObjects") or []]
        ]
        sources += [
            f"SecretProviderClass {_code(_name(c))} (Secrets Store CSI, {_code(c['spec'].get('provider'))})"
            for c in provider_classes
        ]
        if sealed or provider_classes:
            continue
        makers = [
            es
            for es in view.of_kind("ExternalSecret")
            if ((es["spec"].get("target") or {}).get("name") or _name(es)) == secret
        ]
        for es in makers:
            store = es["spec"].get("secretStoreRef") or {}
            sources.append(
                f"ExternalSecret {_code(_name(es))} from {store.get('kind', 'SecretStore')} {_code(store.get('name'))}"
            )
        if not makers:
            sources.append(f"existing Secret {_code(secret)} (created out of band)")
    return "<br>".join(sources) or NONE


def _template_name(sealed: Obj) -> str:
    return str((((sealed["spec"].get("template") or {}).get("metadata")) or {}).get("name") or _name(sealed))


IDENTITY_ANNOTATIONS = (
    ("eks.amazonaws.com/role-arn", "AWS IRSA role"),
    ("iam.gke.io/gcp-service-account", "GKE Workload Identity"),
    ("azure.workload.identity/client-id", "Azure Workload Identity client"),
)


def _identity(view: EnvironmentView) -> str:
    """The cloud identities the ServiceAccounts carry (their annotations)."""
    found = []
    for account in view.of_kind("ServiceAccount"):
        annotations = _annotations(account)
        found += [f"{label} {_code(annotations[key])}" for key, label in IDENTITY_ANNOTATIONS if key in annotations]
    return "<br>".join(found) or NONE


def _app_setting(view: EnvironmentView, key: str) -> str | None:
    """A key of the application ConfigMap (the one the workloads' ``configMapKeyRef`` entries name)."""
    names = {
        ref["name"]
        for w in view.workloads
        for c in w.containers
        for e in c.get("env") or []
        if (ref := (e.get("valueFrom") or {}).get("configMapKeyRef"))
    }
    for config in view.of_kind("ConfigMap"):
        if config["metadata"]["name"] in names and key in (config.get("data") or {}):
            return str(config["data"][key])
    return None


def _postgres(view: EnvironmentView) -> str:
    host, port, name = (_app_setting(view, key) for key in ("db-host", "db-port", "db-name"))
    return f"{_code(f'{host}:{port}/{name}')} ({_app_setting(view, 'db-sslmode')})" if host else NONE


def _redis(view: EnvironmentView) -> str:
    address = _app_setting(view, "redis-address")
    return f"{_code(address)} db {_app_setting(view, 'redis-db') or '0'}" if address else NONE


def _queue(view: EnvironmentView) -> str:
    if _app_setting(view, "queue-enabled") != "true":
        return "the database (workers poll it)"
    return f"SQS {_code(_app_setting(view, 'aws-sqs-queue-url') or '?')}"


def _migrator(view: EnvironmentView) -> str:
    images = [c.get("image", "?") for w in view.workloads if w.kind == "Job" for c in w.containers]
    return "<br>".join(_code(i) for i in images) or NONE


def _tracing(view: EnvironmentView) -> str:
    ratios: dict[str, str] = {}
    for component, workload in sorted(view.deployments.items(), key=lambda item: _component_rank(item[0])):
        enabled = workload.env_value("TRACING_ENABLED")
        ratio = workload.env_value("TRACING_SAMPLE_RATE") or workload.env_value("OTEL_TRACES_SAMPLER_ARG")
        ratios[component] = "off" if enabled == "false" else (ratio or "not set")
    if len(set(ratios.values())) <= 1:
        return next(iter(ratios.values()), "—")
    return " · ".join(f"{_title(c)} {r}" for c, r in ratios.items())


def _is_preview_rule(rule: Obj) -> bool:
    return (rule.get("labels") or {}).get("tier") == "preview"


def _alert_rows(views: Sequence[EnvironmentView]) -> list[tuple[str, list[str]]]:
    """One row per alert whose threshold or severity differs: ``> 0.05 (critical)``; the previews' rules
    (development carries them) are in the previews section, not in development's column."""
    per_view: list[dict[str, str]] = []
    order: list[str] = []
    for view in views:
        alerts = {}
        for rule_object in view.of_kind("PrometheusRule"):
            for group in rule_object["spec"].get("groups") or []:
                for rule in group.get("rules") or []:
                    if "alert" in rule and not _is_preview_rule(rule):
                        severity = (rule.get("labels") or {}).get("severity", "no severity")
                        threshold = (rule.get("annotations") or {}).get(THRESHOLD_ANNOTATION) or "—"
                        alerts[rule["alert"]] = f"{threshold} ({severity})"
        order += [a for a in alerts if a not in order]
        per_view.append(alerts)
    rows = []
    for alert in order:
        cells = [alerts.get(alert, "not carried") for alerts in per_view]
        if len(set(cells)) > 1:
            rows.append((f"alert {_code(alert)}", cells))
    return rows


def _rows(views: Sequence[EnvironmentView]) -> list[tuple[str, list[str]]]:
    def each(read: Callable[[EnvironmentView], str]) -> list[str]:
        return [read(v) for v in views]

    def per_role(label: str, read: Callable[[EnvironmentView, str], str]) -> list[tuple[str, list[str]]]:
        return [(label.format(role), each(lambda v, role=role: read(v, role))) for role in HOST_ROLES]

    rows = [("namespace", each(lambda v: _code(v.namespace))), ("Argo CD destination", each(_destination))]
    for component in _components(views):
        for label, read in COMPONENT_ROWS:
            cells = each(lambda v, c=component, read=read: _per_component(v, c, read))
            rows.append((f"{_title(component)} {label}", cells))
    rows += per_role("{} host", _hosts)
    rows += [("edge mode", each(_edge_mode)), ("ingress class", each(_ingress_class))]
    rows += [("TLS source", each(_tls)), ("paths the edge refuses", each(_blocked))]
    rows += per_role("CORS allowed origins ({} host)", _cors)
    rows += per_role("rate limit ({} host)", _rate_limit)
    rows += [("secret source", each(_secret_source)), ("workload identity", each(_identity))]
    rows += [("PostgreSQL", each(_postgres)), ("Redis", each(_redis)), ("work queue", each(_queue))]
    rows += [("migrator image", each(_migrator)), ("tracing sample ratio", each(_tracing))]
    return rows + _alert_rows(views)


def _table(views: Sequence[EnvironmentView]) -> str:
    lines = [
        "## At a glance",
        "",
        "| | " + " | ".join(_cell(v.env.name) for v in views) + " |",
        "|---|" + "---|" * len(views),
    ]
    lines += ["| " + " | ".join(_cell(c) for c in (label, *cells)) + " |" for label, cells in _rows(views)]
    lines += [
        "",
        "Rate limits are counted per client IP and per edge replica (ingress-nginx controller or Envoy pod).",
        "Alerts not listed have the same thresholds and severity in every environment (PrometheusRule",
        "`<prefix>-gorax-alerts`); the severity is capped by the tier, see `docs/runbook.md`.",
    ]
    return "\n".join(lines)
