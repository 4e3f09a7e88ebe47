"""promtool: failing scrapes of our own targets, per tier (helpers and label sets of test_alert_scenarios)."""

from __future__ import annotations

import pytest

from .test_alert_scenarios import PROMTOOL, TARGETS, Cluster, firing, nothing, run

pytestmark = pytest.mark.skipif(PROMTOOL is None, reason="promtool not on PATH (apt-get install prometheus)")


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.id)
def test_scrapes_failing_every_other_time_warn_and_page_nobody(target, tmp_path):
    """One API pod of three answers every other scrape for an hour: a warning (capped), never a page."""
    cluster = Cluster(target).platform(60, pods=3)
    flapping = f"{target.naming.name('api')}-1"
    cluster.items = [i for i in cluster.items if not (i["series"].startswith("up{") and f'"{flapping}"' in i["series"])]
    cluster.api_target(flapping, " ".join("1" if m % 2 else "0" for m in range(61)))
    checks = [nothing("60m", matchers=',severity="critical"'), firing(target, "60m", "APIScrapeFailing", window="30m")]
    run(tmp_path, target, cluster, checks)


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.id)
def test_every_api_scrape_failing_is_not_scraped(target, tmp_path):
    """Every API target down (``/metrics`` failing) while the pods serve: the API's series are gone."""
    cluster = Cluster(target).platform(40, pods=2)
    cluster.items = [i for i in cluster.items if not i["series"].startswith("up{")]
    for i in range(2):
        cluster.api_target(f"{target.naming.name('api')}-{i}", "0x40")
    run(tmp_path, target, cluster, [firing(target, "30m", "APINotScraped", "APIScrapeFailing", window="1m")])
