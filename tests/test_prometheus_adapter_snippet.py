"""docs/configuration.md's Prometheus Adapter snippet is Helm values the prometheus-adapter chart accepts as they are.

The chart (prometheus-community/helm-charts, ``charts/prometheus-adapter``) takes ``rules.external`` as a
list and its ``templates/configmap.yaml`` writes ``externalRules:`` followed by ``toYaml .Values.rules.external``;
the adapter reads each entry as a discovery rule (``seriesQuery``, ``seriesFilters``, ``resources``, ``name``,
``metricsQuery``). The metric it serves must be the one the worker HPA asks for.
"""

from __future__ import annotations

import re

import yaml

from gorax_constructs.parts.workloads import QUEUE_METRIC

from .conftest import REPO

SECTION = re.compile(r"^## Autoscaling on queue depth\n(.*?)(?=^## |\Z)", re.S | re.M)
RULE_FIELDS = {"seriesQuery", "seriesFilters", "resources", "name", "metricsQuery"}


def snippet() -> dict:
    section = SECTION.search((REPO / "docs" / "configuration.md").read_text()).group(1)
    blocks = [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", re.sub(r"(?m)^  ", "", section), re.S)]
    (values,) = [b for b in blocks if isinstance(b, dict) and ("rules" in b or "externalRules" in b)]
    return values


def test_the_snippet_is_the_charts_values():
    values = snippet()
    assert set(values) == {"rules"} and set(values["rules"]) == {"external"}, values
    external = values["rules"]["external"]
    assert isinstance(external, list) and external
    config = yaml.safe_load("externalRules:\n" + yaml.safe_dump(external))  # what the chart's configmap holds
    (rule,) = config["externalRules"]
    assert set(rule) <= RULE_FIELDS and {"seriesQuery", "metricsQuery", "name"} <= set(rule)
    assert rule["name"]["as"] == QUEUE_METRIC
    assert QUEUE_METRIC in rule["seriesQuery"] and "<<.LabelMatchers>>" in rule["metricsQuery"]
    assert rule["resources"]["overrides"]["namespace"] == {"resource": "namespace"}
