"""The monitoring settings issue 20 adds: a bad value is one clear message naming the environment and the field."""

from dataclasses import replace

import pytest

from gorax_constructs.configuration.monitoring import ApplicationMetrics

from .fixture_catalog import STAGING
from .test_config_errors import expect_error


def test_the_edge_namespace_label_is_one_prometheus_can_hold():
    expect_error(
        lambda: replace(STAGING, monitoring=replace(STAGING.monitoring, edge_namespace_label="ingress_namespace")),
        env=STAGING.name,
        field="monitoring.edge_namespace_label",
        value="'ingress_namespace'",
        allowed="exported_namespace or namespace",
    )


@pytest.mark.parametrize(
    "served,field,value,allowed",
    [
        (ApplicationMetrics(api="yes"), "api", "'yes'", "True or False"),
        (ApplicationMetrics(api=False, queue_depth=True), "queue_depth", "True", "False while neither api nor worker"),
    ],
)
def test_application_metrics_are_booleans_and_consistent(served, field, value, allowed):
    expect_error(
        lambda: replace(STAGING, monitoring=replace(STAGING.monitoring, application_metrics=served)),
        env=STAGING.name,
        field=f"monitoring.application_metrics.{field}",
        value=value,
        allowed=allowed,
    )


@pytest.mark.parametrize("field", ["cpu_throttled_ratio", "db_pool_in_use_ratio"])
def test_new_ratio_thresholds_are_ratios(field):
    thresholds = replace(STAGING.monitoring.thresholds, **{field: 1.5})
    expect_error(
        lambda: replace(STAGING, monitoring=replace(STAGING.monitoring, thresholds=thresholds)),
        env=STAGING.name,
        field=f"monitoring.thresholds.{field}",
        value="1.5",
        allowed="a ratio above 0 and at most 1",
    )
