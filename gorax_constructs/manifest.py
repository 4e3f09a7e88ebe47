"""Emitting Kubernetes objects whose body is built in Python.

Each object costs one jsii round trip to create, and node asks Python for the
body once at synth. Typed cdk8s-plus or L1 constructs cost one round trip per
property instead (see README, "Performance"), and would add defaults that we
would then have to undo.
"""

from __future__ import annotations

from typing import Any

import cdk8s
from constructs import Construct

from .syncwaves import with_sync_wave

Body = dict[str, Any]


class Manifest(cdk8s.ApiObject):
    """An API object whose complete body (apiVersion, kind, metadata, ...) is a plain dict.

    Every object gets its kind's Argo CD sync wave here, so no construct can forget it.
    """

    def __init__(self, scope: Construct, id: str, body: Body) -> None:
        metadata = body["metadata"]
        super().__init__(
            scope,
            id,
            api_version=body["apiVersion"],
            kind=body["kind"],
            metadata=cdk8s.ApiObjectMetadata(name=metadata["name"], namespace=metadata.get("namespace")),
        )
        self.body = with_sync_wave(body)

    def to_json(self) -> Any:
        return self.body
