"""The Alertmanager example routes each tier as the runbook says: only production's critical alerts page.

The configuration is docs/observability.md's own YAML block (section "Routing alerts by tier"), checked and
routed by amtool (Debian package ``prometheus-alertmanager``; `.ci/run` installs it). Skips without it.
"""

import re
import shutil
import subprocess

import pytest
import yaml

from .conftest import REPO

AMTOOL = shutil.which("amtool")
pytestmark = pytest.mark.skipif(
    AMTOOL is None, reason="amtool not on PATH (apt-get install prometheus-alertmanager); routing not tested"
)
SECTION = re.compile(r"^## Routing alerts by tier\n(.*?)^## ", re.S | re.M)
PAGER = "gorax-pager"


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    section = SECTION.search((REPO / "docs" / "observability.md").read_text()).group(1)
    (block,) = re.findall(r"```yaml\n(.*?)```", section, re.S)
    document = yaml.safe_load(block)
    names = {"null"} | {r["receiver"] for r in document["route"]["routes"]}
    document["receivers"] = [{"name": name} for name in sorted(names)]  # the page leaves receivers to the reader
    path = tmp_path_factory.mktemp("alertmanager") / "alertmanager.yml"
    path.write_text(yaml.safe_dump(document))
    return path


def amtool(*args):
    result = subprocess.run([AMTOOL, *args], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip()


def test_the_example_is_a_valid_alertmanager_configuration(config):
    amtool("check-config", str(config))


@pytest.mark.parametrize(
    "tier,severity,receiver",
    [
        ("production", "critical", PAGER),
        ("production", "warning", "gorax-team-chat"),
        ("staging", "warning", "gorax-team-chat"),
        ("development", "info", "gorax-dev-chat"),
        ("preview", "info", "gorax-dev-chat"),
    ],
)
def test_only_production_critical_pages(config, tier, severity, receiver):
    labels = [f"tier={tier}", f"severity={severity}", "namespace=gorax-x", "alertname=HighHTTPErrorRate"]
    assert amtool("config", "routes", "test", f"--config.file={config}", *labels) == receiver
