"""The API server's defaulting of custom resources, from the vendored CRDs' schemas.

A port of apiextensions-apiserver's structural defaulting (``pkg/apiserver/schema/defaulting/algorithm.go``,
``Default``): for each object, every property absent (or null when not nullable) whose schema has a
``default`` gets it, then defaulting descends into every property, every list item and every
``additionalProperties`` value, including the defaults just set.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from gorax_constructs.pipeline.validation import CRD_DIR, _crd_schemas


def schema_of(obj: dict[str, Any], folder: Path = CRD_DIR) -> dict[str, Any]:
    group = obj["apiVersion"].rpartition("/")[0]
    for path in sorted(folder.glob(f"{group}_*.yaml")):
        schema = _crd_schemas(path).get(f"{obj['apiVersion']} {obj['kind']}")
        if schema is not None:
            return schema
    raise LookupError(f"no CRD for {obj['apiVersion']} {obj['kind']}")


def _default(value: Any, schema: dict[str, Any]) -> None:
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        for key, prop in properties.items():
            if "default" in prop and (key not in value or (value[key] is None and not prop.get("nullable"))):
                value[key] = copy.deepcopy(prop["default"])
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if key in properties:
                _default(item, properties[key])
            elif isinstance(extra, dict):
                _default(item, extra)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for item in value:
            _default(item, schema["items"])


def defaulted(obj: dict[str, Any]) -> dict[str, Any]:
    """The object as the API server stores it (metadata aside, which the CRD schema does not cover)."""
    result = copy.deepcopy(obj)
    _default(result, schema_of(obj))
    return result


def default_only_diff(obj: dict[str, Any], path: str = "") -> list[str]:
    """The fields the API server would add: what a client-side diff of the live object reports."""
    return _diff(obj, defaulted(obj), path)


def _diff(ours: Any, stored: Any, path: str) -> list[str]:
    if isinstance(ours, dict) and isinstance(stored, dict):
        out = [f"{path}.{k}: {stored[k]!r}" for k in stored if k not in ours]
        return out + [d for k in ours for d in _diff(ours[k], stored.get(k), f"{path}.{k}")]
    if isinstance(ours, list) and isinstance(stored, list):
        return [d for i, (a, b) in enumerate(zip(ours, stored, strict=True)) for d in _diff(a, b, f"{path}[{i}]")]
    return [] if ours == stored else [f"{path}: {ours!r} -> {stored!r}"]
