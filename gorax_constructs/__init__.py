"""Reusable cdk8s constructs and typed configuration for the Gorax environments.

Three layers, imports going one way (configuration <- parts <- pipeline):

- ``gorax_constructs.configuration``: typed, validated settings; no cdk8s.
- ``gorax_constructs.environments``: the base and each environment's differences.
- ``gorax_constructs.parts``: the cdk8s constructs and ``EnvironmentChart``.
- ``gorax_constructs.pipeline``: synth, validation, promotion into ``dist/``, docs.

The configuration's names are imported eagerly (they are free of cdk8s); the
construct names import the ``parts`` package on first use (importing cdk8s
starts node), and are imported under ``TYPE_CHECKING`` so that type checkers
see their real types.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .configuration import *  # noqa: F403 -- the configuration's public names, cdk8s-free
from .configuration import __all__ as _CONFIGURATION
from .node import use_project_node

# Before any module of the package imports cdk8s (which starts jsii's Node).
use_project_node()

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time the constructs load on first use
    from .parts import (
        ApiService as ApiService,
    )
    from .parts import (
        AppConfig as AppConfig,
    )
    from .parts import (
        ArgoCdApplications as ArgoCdApplications,
    )
    from .parts import (
        ChartPart as ChartPart,
    )
    from .parts import (
        Edge as Edge,
    )
    from .parts import (
        EnvironmentChart as EnvironmentChart,
    )
    from .parts import (
        ManifestChart as ManifestChart,
    )
    from .parts import (
        MigrationJob as MigrationJob,
    )
    from .parts import (
        NamespaceQuota as NamespaceQuota,
    )
    from .parts import (
        NetworkPolicies as NetworkPolicies,
    )
    from .parts import (
        Observability as Observability,
    )
    from .parts import (
        Platform as Platform,
    )
    from .parts import (
        Secrets as Secrets,
    )
    from .parts import (
        Setting as Setting,
    )
    from .parts import (
        Signals as Signals,
    )
    from .parts import (
        WorkerPool as WorkerPool,
    )
    from .parts import (
        settings_for as settings_for,
    )

_PARTS = (
    "ApiService",
    "AppConfig",
    "ArgoCdApplications",
    "ChartPart",
    "Edge",
    "EnvironmentChart",
    "ManifestChart",
    "MigrationJob",
    "NamespaceQuota",
    "NetworkPolicies",
    "Observability",
    "Platform",
    "Secrets",
    "Setting",
    "Signals",
    "WorkerPool",
    "settings_for",
)

__all__ = [*_CONFIGURATION, *_PARTS]


def __getattr__(name: str) -> Any:
    if name in _PARTS:
        return getattr(import_module(".parts", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
