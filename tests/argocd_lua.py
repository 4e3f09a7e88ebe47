"""Argo CD's health scripts, run as Argo CD runs them (util/lua/lua.go, argo-cd v3.5.1), with PyPI's lupa.

Argo CD's VM (gopher-lua) opens only the package, base and table libraries and a safe ``os``
(``OpenSafeOs``: time, date, clock, difftime), sets the global ``obj`` to the object, runs the script
and reads ``status`` and ``message`` from the table it returns. Lua 5.4 stands in for gopher-lua: the
upstream scripts use ``goto`` (gopher-lua has it, Lua 5.1 has not), and without the string library a
string method call fails here as it does there.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lupa.lua54 as lua54
import yaml

from gorax_constructs.pipeline.validation import YAML_LOADER

REPO = Path(__file__).resolve().parents[1]
HEALTH_DIR = REPO / "argocd-health"
HPA_PATCH = REPO / "platform" / "argocd-cm.hpa-health.patch.yaml"
HPA_KEY = "resource.customizations.health.autoscaling_HorizontalPodAutoscaler"
STATUSES = ("Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown")
"""gitops-engine/pkg/health/health.go's HealthStatusCode values: anything else is an error."""

_SANDBOX = """
getmetatable("").__index = nil
string, math, io, debug, coroutine, utf8 = nil, nil, nil, nil, nil, nil
local time, date, clock, difftime = os.time, os.date, os.clock, os.difftime
os = { time = time, date = date, clock = clock, difftime = difftime }
"""


@dataclass(frozen=True)
class Health:
    status: str
    message: str


def run_health(script: str, obj: dict[str, Any]) -> Health:
    """The script's result for ``obj``; a script error or an unknown status raises, as Argo CD reports it."""
    lua = lua54.LuaRuntime()
    lua.execute(_SANDBOX)
    lua.globals().obj = lua.table_from(obj, recursive=True)
    result = lua.execute(script)
    status = result["status"]
    if status not in STATUSES:
        raise ValueError(f"health script returned status {status!r}")
    return Health(status, result["message"] or "")


def health_script(group: str, kind: str) -> str | None:
    """The vendored ``resource_customizations/<group>/<kind>/health.lua``, or None when upstream has none."""
    path = HEALTH_DIR / (group or "_") / kind / "health.lua"
    return path.read_text() if path.exists() else None


def hpa_override() -> str:
    return yaml.safe_load(HPA_PATCH.read_text())["data"][HPA_KEY]


def load(path: Path) -> dict[str, Any]:
    return yaml.load(path.read_text(), Loader=YAML_LOADER)
