"""Charts whose Kubernetes objects are plain Python dicts, handed to cdk8s in one call.

Measured (README, "Performance"): nearly all of a synth's time is synchronous
Python-to-node round trips, about 0.3 ms each. A cdk8s-plus construct costs one
per property, an ``ApiObject`` one to create and one more for node to ask
Python for its body. Here a construct adds its objects' bodies to its chart,
and the chart hands all of them to node in a single ``toJson`` callback when
the app synthesizes: one round trip per environment instead of two per object.
cdk8s still formats and writes every file (byte for byte what an
``ApiObject`` would give), and no cdk8s-plus default ever reaches an object.
"""

from __future__ import annotations

import re
from typing import Any

import cdk8s
from constructs import Construct

from .syncwaves import with_sync_wave

Body = dict[str, Any]


def file_name(body: Body) -> str:
    """The file cdk8s writes the object to (``<Kind>.<name>``, as ``App.synth`` derives it)."""
    return re.sub(r"[^0-9a-zA-Z-_.]", "", f"{body['kind']}.{body['metadata']['name']}")


class ManifestChart(cdk8s.Chart):
    """A chart of plain-dict objects; every object gets its kind's Argo CD sync wave here.

    Two objects that would be written to the same file (same kind and name) are
    an error at once, rather than one silently overwriting the other.
    """

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id, disable_resource_name_hashes=True)
        self._bodies: dict[str, Body] = {}

    @property
    def chart(self) -> ManifestChart:
        return self

    def add_manifest(self, body: Body) -> None:
        name = file_name(body)
        if name in self._bodies:
            raise ValueError(f"two objects named {body['kind']} {body['metadata']['name']} in chart {self.node.id}")
        self._bodies[name] = with_sync_wave(body)

    def to_json(self) -> list[Any]:
        """The chart's objects in the order they were added (``cdk8s synth`` writes one file each)."""
        return list(self._bodies.values())


class ManifestConstruct(Construct):
    """A construct that adds its objects to the enclosing ``ManifestChart``.

    The chart is remembered on the Python side, so adding an object costs no round trip.
    """

    def __init__(self, scope: Scope, id: str) -> None:
        super().__init__(scope, id)
        self.chart: ManifestChart = scope.chart

    def add_manifest(self, body: Body) -> None:
        self.chart.add_manifest(body)


Scope = ManifestChart | ManifestConstruct
"""Where a Gorax construct can be added: a chart, or another Gorax construct."""
