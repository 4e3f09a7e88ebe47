"""Every alert of our namespaces reaches the receiver the runbook's "who is told" table names.

The configuration is docs/observability.md's own block (section "Routing alerts by tier"). ``amtool config routes
test`` routes the labels of every rule this repository generates (each permanent environment's and the
previews' rule set, the preview's ``environment`` as the rule derives it) and the platform's tier-less
alerts; Alertmanager itself (``prometheus-alertmanager``, the Debian package ``.ci/run`` installs) runs
the inhibition, ``InfoInhibitor`` included. Skips without them.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import socket
import subprocess
import time
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
import yaml

from gorax_constructs.configuration.previews import Preview, preview_environment
from gorax_constructs.environments import ENVIRONMENTS
from gorax_constructs.parts.alerts import preview_rule_groups, rule_groups

from . import memo
from .conftest import REPO

AMTOOL = shutil.which("amtool")
ALERTMANAGER = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
SECTION = re.compile(r"^## Routing alerts by tier\n(.*?)^## ", re.S | re.M)
PAGER, TEAM, DEV, NOBODY = "gorax-pager", "gorax-team-chat", "gorax-dev-chat", "null"


def told(tier: str, severity: str) -> str:
    """The runbook's table: production's critical pages; production and staging tell the team; the rest dev."""
    if tier == "production":
        return PAGER if severity == "critical" else TEAM
    return TEAM if tier == "staging" else DEV


def readme_config() -> dict:
    section = SECTION.search((REPO / "docs" / "observability.md").read_text()).group(1)
    (block,) = re.findall(r"```yaml\n(.*?)```", section, re.S)
    document = yaml.safe_load(block)
    names = {"null"} | {r["receiver"] for r in document["route"]["routes"]}
    document["receivers"] = [{"name": name} for name in sorted(names)]  # the docs leave receivers to the reader
    return document


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    path = tmp_path_factory.mktemp("alertmanager") / "alertmanager.yml"
    path.write_text(yaml.safe_dump(readme_config()))
    return path


MATCHER_NAME = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)")


def matched_names(routes: list[dict]) -> set[str]:
    """Every label name a route of the tree matches on (``matchers``, ``match``, ``match_re``)."""
    names: set[str] = set()
    for node in routes:
        names |= {m.group(1) for text in node.get("matchers", []) if (m := MATCHER_NAME.match(text))}
        names |= set(node.get("match", {})) | set(node.get("match_re", {}))
        names |= matched_names(node.get("routes", []))
    return names


_ROUTED: dict[tuple, str] = {}


@functools.cache
def route_label_names(config: str) -> set[str]:
    return matched_names([yaml.safe_load(config)["route"]])


def route(config, labels: dict[str, str]) -> str:
    """The receiver amtool routes ``labels`` to. Alerts that agree on every label the tree matches on route
    alike, so amtool runs once per such combination (one run is ~0.1 s; the rules make hundreds of alerts)."""
    if AMTOOL is None:
        pytest.skip("amtool not on PATH (apt-get install prometheus-alertmanager)")
    names = route_label_names(config.read_text())
    key = (str(config), tuple(sorted((k, labels.get(k)) for k in names)))
    if key in _ROUTED:
        return _ROUTED[key]
    pairs = [f"{k}={v}" for k, v in labels.items()]
    result = memo.run_tool([AMTOOL, "config", "routes", "test", f"--config.file={config}", *pairs], reads=[config])
    assert result.returncode == 0, result.stdout + result.stderr
    _ROUTED[key] = result.stdout.strip()
    return _ROUTED[key]


def generated_alerts() -> list[dict[str, str]]:
    """The labels of every rule we generate, as Alertmanager receives them."""
    alerts = []
    for env in ENVIRONMENTS:
        for group in rule_groups(env):
            alerts += [{"alertname": r["alert"], **r["labels"]} for r in group["rules"]]
    (development,) = [env for env in ENVIRONMENTS if env.monitoring.preview_monitoring]
    preview = preview_environment(Preview(name="pr-123", owner="someone", expires="2030-01-01"), development)
    for group in preview_rule_groups(development):
        for rule in group["rules"]:
            assert "label_replace(" in rule["expr"] and '"environment", "$1", "namespace", "gorax-(.+)"' in rule["expr"]
            labels = {"alertname": rule["alert"], **rule["labels"]}
            alerts.append({**labels, "namespace": preview.namespace, "environment": preview.name})
    return alerts


def test_the_example_is_a_valid_alertmanager_configuration(config):
    if AMTOOL is None:
        pytest.skip("amtool not on PATH (apt-get install prometheus-alertmanager)")
    result = memo.run_tool([AMTOOL, "check-config", str(config)], reads=[config])
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_generated_alert_carries_environment_and_reaches_the_tables_receiver(config):
    alerts = generated_alerts()
    assert {a["tier"] for a in alerts} == {env.tier for env in ENVIRONMENTS} | {"preview"}
    wrong = []
    for labels in alerts:
        assert labels.get("environment") and labels.get("namespace"), labels
        receiver = route(config, labels)
        if receiver != told(labels["tier"], labels["severity"]):
            wrong.append(f"{labels['alertname']} {labels['tier']}/{labels['severity']} -> {receiver}")
    assert wrong == []


@pytest.mark.parametrize(
    "namespace,severity,receiver",
    [
        ("gorax-prod", "critical", PAGER),
        ("gorax-prod", "warning", TEAM),
        ("gorax-staging", "critical", TEAM),
        ("gorax-staging", "warning", TEAM),
        ("gorax-dev", "warning", DEV),
        ("gorax-pr-123", "critical", DEV),
        ("kube-system", "critical", NOBODY),
    ],
)
def test_the_platforms_alerts_without_a_tier_are_routed_by_namespace(config, namespace, severity, receiver):
    for name in ("KubePodCrashLooping", "TargetDown"):
        assert route(config, {"alertname": name, "severity": severity, "namespace": namespace}) == receiver


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def alertmanager(config, tmp_path_factory):
    if ALERTMANAGER is None:
        pytest.skip("Alertmanager not on PATH (apt-get install prometheus-alertmanager)")
    port = free_port()
    storage = tmp_path_factory.mktemp("storage")
    args = [ALERTMANAGER, f"--config.file={config}", f"--storage.path={storage}"]
    args += [f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address="]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):  # a loaded machine: up to a minute
            try:
                urllib.request.urlopen(f"{url}/-/ready", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("Alertmanager did not become ready")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def post(url: str, alerts: list[dict[str, str]]) -> dict[str, list[str]]:
    """Posts firing alerts and returns, per alertname, what inhibits it (Alertmanager's API v2 status)."""
    now = datetime.now(UTC)
    body = [
        {"labels": labels, "startsAt": now.isoformat(), "endsAt": (now + timedelta(hours=1)).isoformat()}
        for labels in alerts
    ]
    request = urllib.request.Request(
        f"{url}/api/v2/alerts", data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    urllib.request.urlopen(request, timeout=5)
    return listed(url)


def listed(url: str) -> dict[str, list[str]]:
    with urllib.request.urlopen(f"{url}/api/v2/alerts?inhibited=true", timeout=5) as response:
        return {a["labels"]["alertname"]: a["status"]["inhibitedBy"] for a in json.load(response)}


def test_info_inhibitor_silences_only_the_platforms_info_alerts(alertmanager):
    """Every tier's info alerts reach their channel, as the table says; the platform's tier-less info does not."""
    alerts = [{"alertname": "InfoInhibitor", "severity": "none", "namespace": "gorax-prod"}]
    alerts.append({"alertname": "KubeQuotaAlmostFull", "severity": "info", "namespace": "gorax-prod"})
    ours = [
        {"alertname": f"Ours{tier.title()}", "severity": "info", "tier": tier, "namespace": "gorax-prod"}
        for tier in ("production", "staging", "development", "preview")
    ]
    inhibited = post(alertmanager, alerts + ours)
    # The inhibitor learns of alerts through a subscription of its own (alertmanager inhibit/inhibit.go, Run),
    # so a query right after the POST may come before it saw InfoInhibitor: ask again, for up to 10 s.
    deadline = time.monotonic() + 10
    while not inhibited.get("KubeQuotaAlmostFull") and time.monotonic() < deadline:
        time.sleep(0.05)
        inhibited = listed(alertmanager)
    assert inhibited["KubeQuotaAlmostFull"], "the platform's info alert should be inhibited"
    assert {a["alertname"]: inhibited[a["alertname"]] for a in ours} == {a["alertname"]: [] for a in ours}
