"""The preview quota admits a rollout that starts while the previous rollout's pods still terminate.

The quota charges a deleted pod until it is gone, up to twice its grace period (``QuotaV1Pod``,
kubernetes pkg/quota/v1/evaluator/core/pods.go); a worker drains for up to 300 s. The simulation below
is the Deployment controller's rolling update (pkg/controller/deployment/rolling.go: new pods up to
replicas + maxSurge not terminating, old pods scaled down to keep replicas - maxUnavailable available),
with pods that are ready at once and never finish terminating within the test: the worst case.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from gorax_constructs.configuration.previews import Preview, preview_environment
from gorax_constructs.configuration.quantities import cpu_millicores, memory_bytes
from gorax_constructs.pipeline.catalog import Catalog

from .conftest import synthesize
from .fixture_catalog import DEV as DEVELOPMENT
from .k8s_objects import containers

RESOURCES = {"requests.cpu": cpu_millicores, "limits.cpu": cpu_millicores}
RESOURCES |= {"requests.memory": memory_bytes, "limits.memory": memory_bytes}


def rollouts(replicas: int, surge: int, unavailable: int, count: int) -> int:
    """The most pods charged at once over ``count`` back-to-back rollouts at ``replicas``, none of the deleted
    pods finishing its termination before the last rollout ends."""
    current, terminating, peak = replicas, 0, replicas
    for _ in range(count):
        old, new = current, 0
        while old or new < replicas:
            created = min(replicas - new, replicas + surge - old - new)  # up to replicas + maxSurge
            new += created
            peak = max(peak, old + new + terminating)
            deleted = max(0, min(old, old + new - (replicas - unavailable)))  # keep replicas - maxUnavailable
            assert created or deleted, "the rollout cannot progress"
            old, terminating = old - deleted, terminating + deleted
            peak = max(peak, old + new + terminating)
        current = new
    return peak


@pytest.fixture(scope="module", params=["development", "scaled-up"])
def preview(request, tmp_path_factory):
    development = DEVELOPMENT
    if request.param == "scaled-up":  # more replicas and another surge than the catalog's
        worker = replace(DEVELOPMENT.worker, autoscaling=replace(DEVELOPMENT.worker.autoscaling, max_replicas=5))
        api = replace(DEVELOPMENT.api, autoscaling=replace(DEVELOPMENT.api.autoscaling, max_replicas=4))
        development = replace(DEVELOPMENT, worker=worker, api=api)
    env = preview_environment(Preview(name="pr-3", owner="ci", expires="2030-01-01"), development)
    catalog = Catalog(permanent=(development,), previews=(env,), development=development)
    return synthesize(catalog, tmp_path_factory.mktemp(f"quota-{request.param}"))[env.name]


def charged(preview, generations: int):
    """What the quota must admit: each Deployment at its peak over ``generations`` rollouts, plus the Job."""
    maxima = {
        h["spec"]["scaleTargetRef"]["name"]: h["spec"]["maxReplicas"]
        for h in preview.of_kind("HorizontalPodAutoscaler")
    }
    need = dict.fromkeys(["pods", *RESOURCES], 0)
    for workload in preview.of_kind("Deployment") + preview.of_kind("Job"):
        if workload["kind"] == "Deployment":
            strategy = workload["spec"]["strategy"]["rollingUpdate"]
            replicas = maxima[workload["metadata"]["name"]]
            pods = rollouts(replicas, strategy["maxSurge"], strategy["maxUnavailable"], generations)
        else:
            pods = workload["spec"].get("parallelism", 1)
        need["pods"] += pods
        for container in containers(workload["spec"]["template"]):
            for key, parse in RESOURCES.items():
                kind, resource = key.split(".")
                need[key] += pods * parse(container["resources"][kind][resource])
    return need


def admits(preview, need) -> bool:
    (quota,) = preview.of_kind("ResourceQuota")
    hard = quota["spec"]["hard"]
    return int(hard["pods"]) >= need["pods"] and all(parse(hard[k]) >= need[k] for k, parse in RESOURCES.items())


def test_a_rollout_during_the_previous_rollouts_termination_fits_the_quota(preview):
    assert admits(preview, charged(preview, generations=2))


def test_the_quota_without_terminating_pods_would_not(preview):
    """The old budget (maxReplicas + maxSurge per Deployment) is exceeded by the second rollout."""
    need = charged(preview, generations=2)
    without = charged(preview, generations=1)
    maxima = {
        h["spec"]["scaleTargetRef"]["name"]: h["spec"]["maxReplicas"]
        for h in preview.of_kind("HorizontalPodAutoscaler")
    }
    old_budget = sum(
        maxima[d["metadata"]["name"]] + d["spec"]["strategy"]["rollingUpdate"]["maxSurge"]
        for d in preview.of_kind("Deployment")
    ) + len(preview.of_kind("Job"))
    assert need["pods"] > old_budget and need["pods"] > without["pods"]


def test_the_simulation_follows_the_rolling_update_rules():
    assert rollouts(2, 2, 0, 1) == 4  # surge two, then delete two: both old ones terminate beside the new
    assert rollouts(3, 1, 0, 1) == 6  # one at a time: 3 new + 3 terminating at the end
    assert rollouts(2, 2, 0, 2) == 6
    assert rollouts(4, 1, 1, 1) == 8
