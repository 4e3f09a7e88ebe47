"""Environment extensions: cdk8s code that adds objects to one environment or patches them.

``EXTENSIONS`` maps an environment name (a permanent environment or a preview)
to functions the synth calls with that environment's ``EnvironmentChart``
once its parts are built. Anything a function adds to the chart -- an
``ApiObject``, a cdk8s-plus-27 construct, a class from ``imports/`` -- lands in
``dist/<environment>/``, validated like everything else; ``chart.patch(kind,
name, *JsonPatch)`` changes one object of that environment only. docs/extending.md shows both.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from .parts.chart import EnvironmentChart

Extension = Callable[[EnvironmentChart], None]

EXTENSIONS: Mapping[str, tuple[Extension, ...]] = {}
