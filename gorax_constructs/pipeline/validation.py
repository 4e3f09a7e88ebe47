"""Schema validation of synthesized manifests: Kubernetes built-ins and custom resources.

Built-in kinds are validated strictly (unknown fields are errors) against the
JSON schemas that ``kubernetes-validate`` ships, for Kubernetes 1.27 and for
the newest version it knows. Custom resources are validated against their
CRD's ``openAPIV3Schema`` from the upstream CRDs vendored in ``crds/`` (pinned in
``crds/sources.yaml``), made strict the same way. A custom resource whose CRD is
not there is an error: validation is never silently off.

The validators are jsonschema-rs (Rust): much faster than the pure-Python ``jsonschema``, which makes
validating 100 preview environments at every synth affordable (docs/performance.md). Validators are
built once per kind, and a CRD file is parsed only when an object of its API
group is validated (the Argo CD CRD alone is 400 KB of YAML).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import jsonschema_rs
import yaml

OLDEST_KUBERNETES = "1.27"
CRD_DIR = Path(__file__).resolve().parents[2] / "crds"
"""The vendored upstream CRDs, one ``<group>_<plural>.yaml`` per CRD (see ``crds/sources.yaml``)."""
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml parses the large upstream CRDs about ten times faster than the pure-Python loader."""


class CrdLoader(YAML_LOADER):
    """The safe loader, reading YAML 1.1's value tag (a plain ``=``) as the string it means in JSON.

    Upstream CRDs are written for Go's YAML parser, which has no such tag: the
    AlertmanagerConfig CRD's ``matchType`` enum lists ``=`` and ``!=`` unquoted,
    and PyYAML (libyaml too) resolves a plain ``=`` to ``tag:yaml.org,2002:value``,
    which ``SafeLoader`` has no constructor for and crashes on.
    """


CrdLoader.add_constructor("tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node))
# Located without importing kubernetes_validate, whose import pulls in jsonschema and its dependencies.
_SCHEMA_ROOT = Path(next(iter(find_spec("kubernetes_validate").submodule_search_locations))) / "kubernetes-json-schema"
CRD_CACHE = Path(__file__).resolve().parents[2] / "build" / "cache" / "crd-schemas"
"""Strict CRD schemas as JSON, keyed by content hash: parsing the YAML of the large CRDs (Argo CD's) at every
synth costs more than the rest of their validation."""


@cache
def kubernetes_versions() -> tuple[str, ...]:
    """The oldest supported Kubernetes (1.27) and the newest that kubernetes-validate ships."""
    versions = sorted(
        {m[1] for p in _SCHEMA_ROOT.iterdir() if (m := re.fullmatch(r"v(\d+\.\d+)\.\d+-local-strict", p.name))},
        key=lambda v: tuple(int(x) for x in v.split(".")),
    )
    return (OLDEST_KUBERNETES, versions[-1])


def _schema_dir(version: str) -> Any:
    return _SCHEMA_ROOT / f"v{version}.0-local-strict"


SCHEMA_BASE_URI = "https://kubernetes-validate.invalid/"
"""Where the built-in schemas' relative ``$ref: _definitions.json#...`` resolve (never fetched)."""


@cache
def _definitions(version: str) -> jsonschema_rs.Registry:
    definitions = json.loads((_schema_dir(version) / "_definitions.json").read_text())
    return jsonschema_rs.Registry([(f"{SCHEMA_BASE_URI}_definitions.json", definitions)])


@cache
def _builtin_validator(version: str, api_version: str, kind: str) -> jsonschema_rs.Validator | None:
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    name = f"{kind.lower()}-{group_version}.json"
    path = _schema_dir(version) / name
    if not path.is_file():
        return None
    return jsonschema_rs.Draft202012Validator(
        json.loads(path.read_text()),
        registry=_definitions(version),
        base_uri=f"{SCHEMA_BASE_URI}{name}",
        validate_formats=False,
    )


@cache
def _is_ecma_regex(pattern: str) -> bool:
    try:
        jsonschema_rs.Draft7Validator({"pattern": pattern})
    except jsonschema_rs.ValidationError:
        return False
    return True


def _strict(schema: Any) -> Any:
    """Forbid properties a CRD schema does not declare, as the API server would prune them silently.

    A ``pattern`` in Go syntax that JSON Schema's ECMA 262 regexes cannot express (the
    prometheus-operator CRDs use ``(?i)`` flags) is dropped and left to the API server.
    """
    if isinstance(schema, dict):
        out = {
            k: _strict(v)
            for k, v in schema.items()
            if not (k == "pattern" and isinstance(v, str) and not _is_ecma_regex(v))
        }
        if (
            out.get("type") == "object"
            and "properties" in out
            and "additionalProperties" not in out
            and not out.get("x-kubernetes-preserve-unknown-fields")
        ):
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [_strict(v) for v in schema]
    return schema


def _crd_schemas(path: Path) -> dict[str, Any]:
    """The strict ``openAPIV3Schema`` of every served version in a CRD file, keyed ``"<apiVersion> <kind>"``."""
    content = path.read_bytes()
    # This module's source is part of the key: a change to how schemas are made strict invalidates the cache.
    key = hashlib.sha256(content + Path(__file__).read_bytes()).hexdigest()[:16]
    cached = CRD_CACHE / f"{path.stem}-{key}.json"
    if cached.is_file():
        return json.loads(cached.read_text())
    schemas: dict[str, Any] = {}
    for crd in yaml.load_all(content, Loader=CrdLoader):
        if not crd or crd.get("kind") != "CustomResourceDefinition":
            continue
        spec = crd["spec"]
        for version in spec["versions"]:
            if version.get("served", True):
                schema = _strict(version["schema"]["openAPIV3Schema"])
                schema["properties"]["metadata"] = {"type": "object"}
                schemas[f"{spec['group']}/{version['name']} {spec['names']['kind']}"] = schema
    CRD_CACHE.mkdir(parents=True, exist_ok=True)
    incoming = cached.with_name(f".{cached.name}.{os.getpid()}")
    incoming.write_text(json.dumps(schemas))
    incoming.replace(cached)
    return schemas


@cache
def _crd_file_validators(path: Path) -> dict[tuple[str, str], jsonschema_rs.Validator]:
    """Validators for every served version of the CRDs in one file, keyed by (apiVersion, kind)."""
    return {
        tuple(key.split(" ")): jsonschema_rs.Draft7Validator(schema, validate_formats=False)
        for key, schema in _crd_schemas(path).items()
    }


def _crd_validator(folder: Path, api_version: str, kind: str) -> jsonschema_rs.Validator | None:
    """Upstream CRD files are named ``<group>_<plural>.yaml``: only the object's group is parsed."""
    group = api_version.rpartition("/")[0]
    for path in sorted(folder.glob(f"{group}_*.yaml")):
        validator = _crd_file_validators(path).get((api_version, kind))
        if validator is not None:
            return validator
    return None


def is_builtin(doc: dict[str, Any]) -> bool:
    return _builtin_validator(OLDEST_KUBERNETES, doc["apiVersion"], doc["kind"]) is not None or (
        _builtin_validator(kubernetes_versions()[1], doc["apiVersion"], doc["kind"]) is not None
    )


def _messages(validator: jsonschema_rs.Validator, doc: dict[str, Any], label: str) -> Iterator[str]:
    if validator.is_valid(doc):  # the common case, several times faster than collecting errors
        return
    errors = [
        ("/".join(str(p) for p in error.instance_path) or "(root)", error.message)
        for error in validator.iter_errors(doc)
    ]
    for path, message in sorted(errors):
        yield f"{label}: {path}: {message}"


def builtin_errors(doc: dict[str, Any]) -> Iterator[str]:
    """Strict schema errors of a built-in object for every supported Kubernetes version."""
    for version in kubernetes_versions():
        validator = _builtin_validator(version, doc["apiVersion"], doc["kind"])
        if validator is None:
            yield f"Kubernetes {version}: no schema for {doc['apiVersion']} {doc['kind']}"
        else:
            yield from _messages(validator, doc, f"Kubernetes {version}")


def custom_resource_errors(doc: dict[str, Any], folder: Path = CRD_DIR) -> Iterator[str]:
    """Strict schema errors of a custom resource against its CRD in ``folder``; no CRD there is an error."""
    validator = _crd_validator(folder, doc["apiVersion"], doc["kind"])
    if validator is None:
        yield (
            f"no served CRD for {doc['apiVersion']} {doc['kind']} in {folder}: add the upstream CRD file"
            " (unmodified) and its entry in sources.yaml there"
        )
    else:
        yield from _messages(validator, doc, "CRD schema")


def document_errors(doc: Any, crds: Path = CRD_DIR) -> list[str]:
    """Every schema problem of one manifest: built-in kinds against Kubernetes, the rest against their CRDs."""
    if not isinstance(doc, dict) or not {"apiVersion", "kind", "metadata"} <= doc.keys():
        return ["not a Kubernetes object (apiVersion, kind and metadata are required)"]
    if is_builtin(doc):
        return list(builtin_errors(doc))
    return list(custom_resource_errors(doc, crds))
