"""Pod labels of synthesized objects, read as the API server reads pod templates."""

from __future__ import annotations

from typing import Any

from gorax_constructs.pipeline.policies import pod_template


def pod_templates(objects: list[dict[str, Any]]) -> list[tuple[str, dict[str, str]]]:
    """``(kind/name, pod labels)`` of every pod the objects would create."""
    return [
        (f"{obj['kind']}/{obj['metadata']['name']}", (template.get("metadata") or {}).get("labels") or {})
        for obj in objects
        if (template := pod_template(obj)) is not None
    ]
