"""A Gorax process's container fields from the application contract: command, ports, probes, metrics port."""

from __future__ import annotations

from typing import Any

from ..configuration.contract import Metrics, Process
from ..configuration.naming import METRICS_PORT_NAME, Component


def _probe(path: str, port: str, *, delay: int, period: int, timeout: int) -> dict[str, Any]:
    return {
        "httpGet": {"path": path, "port": port, "scheme": "HTTP"},
        "initialDelaySeconds": delay,
        "periodSeconds": period,
        "timeoutSeconds": timeout,
        "successThreshold": 1,
        "failureThreshold": 3,
    }


def _startup_probe(path: str, port: str) -> dict[str, Any]:
    """Up to 2 minutes to start (24 x 5 s); liveness and readiness wait until it passes."""
    return {
        "httpGet": {"path": path, "port": port, "scheme": "HTTP"},
        "periodSeconds": 5,
        "timeoutSeconds": 3,
        "successThreshold": 1,
        "failureThreshold": 24,
    }


def container_ports(component: Component, process: Process, metrics: Metrics | None) -> list[dict[str, Any]]:
    """The process's port, named after the component's port name, and a separate ``metrics`` port if any.

    ``metrics``: where it serves metrics (``contract.served_metrics``), ``None`` for nowhere."""
    ports = [{"name": component.port_name, "containerPort": process.port, "protocol": "TCP"}]
    if metrics is not None and metrics.port != process.port:
        ports.append({"name": METRICS_PORT_NAME, "containerPort": metrics.port, "protocol": "TCP"})
    return ports


def metrics_port_name(component: Component, process: Process, metrics: Metrics | None) -> str | None:
    """The named port Prometheus scrapes, or ``None`` when the process serves no metrics."""
    if metrics is None:
        return None
    return component.port_name if metrics.port == process.port else METRICS_PORT_NAME


def probes(component: Component, process: Process, *, live: dict[str, int], ready: dict[str, int]) -> dict[str, Any]:
    """The container's probes at the contract's paths, on the process's named port."""
    paths = process.probes
    fields = {
        "livenessProbe": _probe(paths.liveness, component.port_name, **live),
        "readinessProbe": _probe(paths.readiness, component.port_name, **ready),
    }
    if paths.startup:
        fields["startupProbe"] = _startup_probe(paths.startup, component.port_name)
    return fields


def command(process: Process) -> dict[str, Any]:
    fields: dict[str, Any] = {"command": list(process.command)}
    if process.args:
        fields["args"] = list(process.args)
    return fields
