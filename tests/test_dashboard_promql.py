"""Every dashboard query is PromQL Prometheus parses: promtool checks them as recording rules.

Grafana substitutes ``$namespace`` before it queries; the check does the same with a preview's namespace.
Skips without promtool (`.ci/run` installs it).
"""

from __future__ import annotations

import shutil

import pytest
import yaml

from gorax_constructs.environments import ENVIRONMENTS
from gorax_constructs.parts.dashboard import dashboard, preview_dashboard

from . import memo
from .fixture_catalog import OPTION_ENVIRONMENTS, PERMANENT

PROMTOOL = shutil.which("promtool")
pytestmark = pytest.mark.skipif(PROMTOOL is None, reason="promtool not on PATH (apt-get install prometheus)")


def test_every_panel_query_parses(tmp_path):
    models = [dashboard(env) for env in (*ENVIRONMENTS, *PERMANENT, *OPTION_ENVIRONMENTS)]
    models += [preview_dashboard(env) for env in (*ENVIRONMENTS, *PERMANENT) if env.monitoring.preview_monitoring]
    rules = [
        {"record": f"dashboard:panel_{n}", "expr": target["expr"].replace("$namespace", "gorax-pr-1")}
        for n, target in enumerate(t for model in models for panel in model["panels"] for t in panel["targets"])
    ]
    assert len(rules) > 10 * len(models)
    (tmp_path / "panels.yaml").write_text(yaml.safe_dump({"groups": [{"name": "panels", "rules": rules}]}))
    result = memo.run_tool([PROMTOOL, "check", "rules", "panels.yaml"], reads=[tmp_path / "panels.yaml"], cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
