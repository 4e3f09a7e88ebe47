"""Reusable cdk8s constructs and typed configuration for the Gorax environments.

Three layers, imports going one way (configuration <- parts <- pipeline):

- ``gorax_constructs.configuration``: typed, validated settings; no cdk8s.
- ``gorax_constructs.environments``: the base and each environment's differences.
- ``gorax_constructs.parts``: the cdk8s constructs and ``EnvironmentChart``.
- ``gorax_constructs.pipeline``: synth, validation, promotion into ``dist/``, docs.

Names are re-exported lazily: ``from gorax_constructs import EnvironmentConfig``
stays free of cdk8s (importing cdk8s starts node, ~0.5 s); only the construct
names import the ``parts`` package.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from . import configuration
from .node import use_project_node

# Before any module of the package imports cdk8s (which starts jsii's Node).
use_project_node()

_PARTS = (
    "ApiService",
    "AppConfig",
    "ArgoCdApplications",
    "Edge",
    "EnvironmentChart",
    "MigrationJob",
    "NetworkPolicies",
    "Observability",
    "Platform",
    "Secrets",
    "WorkerPool",
)

__all__ = [*configuration.__all__, *_PARTS]


def __getattr__(name: str) -> Any:
    if name in configuration.__all__:
        return getattr(configuration, name)
    if name in _PARTS:
        return getattr(import_module(".parts", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
