"""Charts whose Kubernetes objects are plain Python dicts.

Measured (README, "Performance"): nearly all of a cdk8s synth's time was
synchronous Python-to-node round trips (~0.3-0.7 ms each) and node's YAML
formatting. A cdk8s-plus construct costs a round trip per property, an
``ApiObject`` one to create and one more for node to ask Python for its body.
Here each concern of an environment is a ``ChartPart`` that adds plain-dict
bodies to its ``ManifestChart``: one round trip per environment (the chart).
``ManifestChart.to_json`` hands every body to cdk8s in one call when a cdk8s
``App`` synthesizes it, and ``app.write_chart`` writes the same bytes from
Python. No cdk8s-plus default ever reaches an object.
"""

from __future__ import annotations

import re
from typing import Any

import cdk8s
from constructs import Construct

from ..configuration.syncwaves import with_sync_wave

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


class ChartPart:
    """One concern of a chart (the API, the edge, ...): adds its objects to the enclosing ``ManifestChart``.

    A plain Python object, not a jsii ``Construct``: measured, creating a
    construct is a ~0.7 ms round trip to node, eight per environment and then
    the largest cost left in a synth, for a node-side tree node that would stay
    empty (every object lives in the chart). ``scope`` and ``id`` keep the
    construct-style signature and name the part in errors.
    """

    def __init__(self, scope: Scope, id: str) -> None:
        self.scope = scope
        self.id = id
        self.chart: ManifestChart = scope.chart

    def add_manifest(self, body: Body) -> None:
        self.chart.add_manifest(body)


Scope = ManifestChart | ChartPart
"""Where a part can be added: a chart, or another part."""
