"""EnvironmentChart's own wiring with every part on the ApiObject path: each object an ``ApiObject`` child
of its part, as in any chart other than a ``ManifestChart`` (``ChartPart`` hands plain dicts only to a
scope whose ``chart`` is a chart)."""

from __future__ import annotations

from typing import Any

from constructs import Construct

from gorax_constructs.parts.chart import EnvironmentChart
from gorax_constructs.parts.manifest import ManifestChart


class _WithoutChartProps(ManifestChart):
    def __init__(self, scope: Construct, id: str, **_props: Any) -> None:
        super().__init__(scope, id)


class ApiObjectEnvironmentChart(EnvironmentChart, _WithoutChartProps):
    """No namespace or labels of its own: cdk8s would add them to every ApiObject, which is the chart's
    doing, not the path's (a plain ``cdk8s.Chart`` without props is what a user's chart looks like)."""

    chart = None
