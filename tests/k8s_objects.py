"""Reading synthesized objects: pod templates, containers, and `$(VAR)` references in env lists."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from gorax_constructs.pipeline.policies import pod_template

# Kubernetes expands `$(VAR)`; `$$(VAR)` is an escaped literal.
REFERENCE = re.compile(r"\$(\$?)\(([A-Za-z_][A-Za-z0-9_]*)\)")


def pod_templates(objects: list[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(owner object, pod template) for every workload, including CronJobs (the synth's own reading)."""
    for obj in objects:
        if obj["kind"] != "Pod" and (template := pod_template(obj)) is not None:
            yield obj, template


def pod_labels(objects: list[dict[str, Any]]) -> list[tuple[str, dict[str, str]]]:
    """``(kind/name, pod labels)`` of every pod the objects would create."""
    return [
        (f"{obj['kind']}/{obj['metadata']['name']}", (template.get("metadata") or {}).get("labels") or {})
        for obj, template in pod_templates(objects)
    ]


def containers(template: dict[str, Any]) -> list[dict[str, Any]]:
    spec = template["spec"]
    return [*spec.get("initContainers", []), *spec.get("containers", [])]


def undefined_references(env: list[dict[str, Any]]) -> list[str]:
    """``NAME: $(VAR)`` for every reference to a variable not defined earlier in the list.

    Kubernetes expands ``$(VAR)`` in a value only when ``VAR`` is defined
    before it; otherwise the literal text reaches the process.
    """
    defined: set[str] = set()
    problems = []
    for entry in env:
        for escaped, name in REFERENCE.findall(entry.get("value", "")):
            if not escaped and name not in defined:
                problems.append(f"{entry['name']}: $({name})")
        defined.add(entry["name"])
    return problems
