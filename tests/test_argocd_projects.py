"""The AppProjects under Argo CD's own matching rules (tests/argocd_project.py, a port of argo-cd v3.5.1).

The port is proven on upstream's own cases first (pkg/apis/application/v1alpha1/types_test.go, v3.5.1:
TestAppProject_IsDestinationPermitted, TestAppProject_IsNegatedDestinationPermitted,
TestAppProject_IsGroupKindPermitted), then run on every AppProject the synth writes.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
import yaml

from gorax_constructs.configuration.errors import ConfigError, FileError
from gorax_constructs.configuration.gitops import ArgoCdTarget
from gorax_constructs.configuration.previews import PREVIEW_PROJECT, Preview, load_previews, preview_environment
from gorax_constructs.parts.argocd import NAMESPACED_KINDS, group_kind
from gorax_constructs.pipeline.catalog import Catalog
from gorax_constructs.pipeline.kustomize import ARGOCD_FOLDER

from .argocd_project import is_destination_permitted, is_group_kind_name_permitted
from .conftest import synthesize
from .every_option import synthesize_every_option
from .fixture_catalog import DEV as DEVELOPMENT
from .fixture_catalog import PERMANENT as ENVIRONMENTS
from .fixture_catalog import PRODUCTION, STAGING

K8S = "https://kubernetes.default.svc"
EKS = "https://eks-cluster-endpoint.ap-southeast-1.eks.amazonaws.com"


def dest(server="", namespace="", name=""):
    return {"server": server, "namespace": namespace, "name": name}


# (project destinations, application destination, permitted), in upstream's order.
UPSTREAM_DESTINATION_CASES = [
    # TestAppProject_IsDestinationPermitted
    ([dest(K8S, "default")], dest(K8S, "default"), True),
    ([dest(K8S, "default")], dest(K8S, "kube-system"), False),
    ([dest("https://my-cluster", "default")], dest(K8S, "default"), False),
    ([dest(K8S, "*")], dest(K8S, "kube-system"), True),
    ([dest("https://*.default.svc", "default")], dest(K8S, "default"), True),
    ([dest("https://team1-*", "default")], dest("https://test2-dev-cluster", "default"), False),
    ([dest(K8S, "test-*")], dest(K8S, "test-foo"), True),
    ([dest(K8S, "test-*")], dest(K8S, "test"), False),
    ([dest("*", "*")], dest(K8S, "test"), True),
    ([dest("", "*", "test")], dest(name="test", namespace="test"), True),
    ([dest("", "*", "test2")], dest(name="test", namespace="test"), False),
    (
        [dest(K8S, "!{kube-system,argocd}", "host-cluster"), dest(EKS, "*", "destination-cluster-01")],
        dest(EKS, "kube-system"),
        True,
    ),
    # TestAppProject_IsNegatedDestinationPermitted
    ([dest("!" + K8S, "default")], dest(K8S, "default"), False),
    ([dest(K8S, "!default")], dest(K8S, "kube-system"), True),
    ([dest("!https://my-cluster", "default")], dest(K8S, "default"), True),
    ([dest("!" + K8S, "*")], dest(K8S, "kube-system"), False),
    ([dest("!https://*.default.svc", "default")], dest(K8S, "default"), False),
    ([dest("!https://team1-*", "default")], dest("https://test2-dev-cluster", "default"), True),
    ([dest(K8S, "!test-*")], dest(K8S, "test-foo"), False),
    ([dest(K8S, "!test-*")], dest(K8S, "test"), True),
    ([dest("", "*", "!test")], dest(name="test", namespace="test"), False),
    ([dest("", "*", "!test2")], dest(name="test", namespace="test"), True),
    ([dest("*", "kube-system"), dest("*", "!kube-system")], dest(K8S, "kube-system"), False),
    ([dest("*", "*"), dest("*", "!kube-system")], dest(K8S, "kube-system"), False),
    ([dest(K8S, "*"), dest("!" + K8S, "*")], dest(K8S, "kube-system"), False),
    ([dest("*", "*"), dest("!" + K8S, "kube-system")], dest(K8S, "kube-system"), False),
    ([dest("*", "*"), dest("!" + K8S, "kube-system"), dest("*", "!kube-system")], dest(K8S, "kube-system"), False),
    ([dest("*", "*"), dest("!" + K8S, "kube-system"), dest("*", "!kube-system")], dest(K8S, "default"), True),
    (
        [dest("*", "*"), dest("!" + K8S, "kube-system"), dest("*", "!kube-system")],
        dest("https://test-dev-cluster", "kube-system"),
        False,
    ),
    ([dest("", "*", "test"), dest("", "*", "!test")], dest(name="test", namespace="test"), False),
    ([dest("*", "test"), dest("!https://test-server", "other")], dest("https://test-server", "test"), True),
    ([dest("*", "*"), dest("https://test-server", "!other")], dest("https://other-test-server", "other"), True),
]


@pytest.mark.parametrize("destinations,app,permitted", UPSTREAM_DESTINATION_CASES)
def test_the_port_agrees_with_upstreams_destination_cases(destinations, app, permitted):
    spec = {"destinations": destinations}
    assert is_destination_permitted(spec, app["server"], app["name"], app["namespace"]) is permitted


def gk(group, kind):
    return {"group": group, "kind": kind}


# TestAppProject_IsGroupKindPermitted: (spec, (group, kind, name, namespaced), permitted).
UPSTREAM_KIND_CASES = [
    (
        {"namespaceResourceWhitelist": [], "namespaceResourceBlacklist": [gk("apps", "Deployment")]},
        ("apps", "ReplicaSet", "", True),
        False,
    ),
    (
        {"namespaceResourceWhitelist": [], "namespaceResourceBlacklist": [gk("apps", "Deployment")]},
        ("apps", "Deployment", "", True),
        False,
    ),
    (
        {
            "namespaceResourceWhitelist": [gk("apps", "ReplicaSet")],
            "namespaceResourceBlacklist": [gk("apps", "Deployment")],
        },
        ("apps", "ReplicaSet", "", True),
        True,
    ),
    (
        {
            "namespaceResourceWhitelist": [gk("apps", "ReplicaSet")],
            "namespaceResourceBlacklist": [gk("apps", "Deployment")],
        },
        ("apps", "Action", "", True),
        False,
    ),
    ({"clusterResourceBlacklist": [gk("", "Namespace")]}, ("", "Namespace", "", False), False),
    (
        {"clusterResourceWhitelist": [gk("*", "*")], "clusterResourceBlacklist": [gk("*", "*")]},
        ("", "Namespace", "", False),
        False,
    ),
    (
        {"clusterResourceWhitelist": [gk("*", "*")], "clusterResourceBlacklist": [gk("*", "*")]},
        ("apps", "Action", "", True),
        True,
    ),
    (
        {"clusterResourceWhitelist": [], "namespaceResourceWhitelist": [gk("*", "*")]},
        ("", "Namespace", "", False),
        False,
    ),
    (
        {"clusterResourceWhitelist": [], "namespaceResourceWhitelist": [gk("*", "*")]},
        ("apps", "Action", "", True),
        True,
    ),
    ({}, ("", "Namespace", "", False), False),
    ({}, ("apps", "Action", "", True), True),
    (
        {"clusterResourceWhitelist": [{**gk("", "Namespace"), "name": "team1-*"}]},
        ("", "Namespace", "other-namespace", False),
        False,
    ),
    (
        {"clusterResourceWhitelist": [{**gk("", "Namespace"), "name": "team1-*"}]},
        ("", "Namespace", "team1-namespace", False),
        True,
    ),
]


@pytest.mark.parametrize("spec,resource,permitted", UPSTREAM_KIND_CASES)
def test_the_port_agrees_with_upstreams_kind_cases(spec, resource, permitted):
    assert is_group_kind_name_permitted(spec, *resource) is permitted


def test_the_old_negated_destinations_admitted_kube_system():
    """The previous previews' project: each ``!<namespace>`` entry allowed every other namespace."""
    old = {"destinations": [dest(name="in-cluster", namespace="gorax-*")]}
    old["destinations"] += [dest("*", f"!{env.namespace}") for env in ENVIRONMENTS]
    assert is_destination_permitted(old, K8S, "in-cluster", "kube-system")


# -- the generated projects ----------------------------------------------------------------------------------------

SYSTEM_NAMESPACES = ("kube-system", "argocd", "default", "kube-public", "ingress-nginx", "gateway-system")
CLUSTERS = {"in-cluster": K8S} | {
    env.argocd.cluster: f"https://{env.argocd.cluster}.example.test"
    for env in ENVIRONMENTS
    if env.argocd.cluster != "in-cluster"
}
ELSEWHERE = ArgoCdTarget(cluster="fixture-eu-2", project="fixture-eu")
CLUSTERS[ELSEWHERE.cluster] = "https://fixture-eu-2.example.test"


def projects_of(root):
    docs = [yaml.safe_load(p.read_text()) for p in sorted((root / ARGOCD_FOLDER).glob("AppProject.*.k8s.yaml"))]
    return {d["metadata"]["name"]: d["spec"] for d in docs}


def permitted(spec, cluster, namespace):
    return is_destination_permitted(spec, CLUSTERS[cluster], cluster, namespace)


@pytest.fixture(
    scope="module",
    params=["catalog", "staging-elsewhere"],
)
def layout(request, tmp_path_factory):
    """The fixture catalog, and staging too in a cluster and project of its own; each with two previews."""
    permanent = ENVIRONMENTS
    if request.param == "staging-elsewhere":
        permanent = (DEVELOPMENT, replace(STAGING, argocd=ELSEWHERE), PRODUCTION)
    previews = tuple(
        preview_environment(Preview(name=n, owner="ci", expires="2030-01-01"), DEVELOPMENT) for n in ("pr-1", "pr-77")
    )
    root = tmp_path_factory.mktemp(request.param)
    outputs = synthesize(Catalog(permanent=permanent, previews=previews, development=DEVELOPMENT), root)
    return permanent, previews, projects_of(root), outputs


def test_the_previews_project_refuses_every_namespace_but_previews(layout):
    permanent, previews, projects, _ = layout
    spec = projects[PREVIEW_PROJECT]
    for cluster in CLUSTERS:
        for namespace in (*SYSTEM_NAMESPACES, *(env.namespace for env in permanent), "gorax-", "gorax-pr"):
            assert not permitted(spec, cluster, namespace), (cluster, namespace)
    for env in previews:
        assert permitted(spec, env.argocd.cluster, env.namespace)
        assert not any(permitted(spec, c, env.namespace) for c in CLUSTERS if c != env.argocd.cluster)
    # The Namespace kind is cluster-scoped: the destination rules never see its name, the whitelist does.
    for namespace in (*SYSTEM_NAMESPACES, *(env.namespace for env in permanent)):
        assert not is_group_kind_name_permitted(spec, "", "Namespace", namespace, False), namespace
    for env in previews:
        assert is_group_kind_name_permitted(spec, "", "Namespace", env.namespace, False)


def test_each_permanent_project_admits_exactly_its_environments(layout):
    permanent, previews, projects, _ = layout
    for name, spec in projects.items():
        mine = [env for env in permanent if env.argocd.project == name]
        if name == PREVIEW_PROJECT:
            continue
        for env in permanent:
            for cluster in CLUSTERS:
                expected = env in mine and cluster == env.argocd.cluster
                assert permitted(spec, cluster, env.namespace) is expected, (name, env.name, cluster)
                assert is_group_kind_name_permitted(spec, "", "Namespace", env.namespace, False) is (env in mine)
        for namespace in (*SYSTEM_NAMESPACES, *(env.namespace for env in previews)):
            assert not any(permitted(spec, cluster, namespace) for cluster in CLUSTERS), (name, namespace)
            assert not is_group_kind_name_permitted(spec, "", "Namespace", namespace, False)


def test_every_application_is_permitted_by_its_project(layout):
    """Every object an Application syncs passes its project: the destination and the kind (and the name of the
    one cluster-scoped object, the Namespace)."""
    _, _, projects, outputs = layout
    for output in outputs.values():
        spec = projects[output.env.argocd.project]
        assert permitted(spec, output.env.argocd.cluster, output.env.namespace)
        for obj in output.objects:
            group, kind = group_kind(obj)
            namespaced = kind != "Namespace"
            assert is_group_kind_name_permitted(spec, group, kind, obj["metadata"]["name"], namespaced), (
                output.env.name,
                kind,
            )


@pytest.fixture(scope="module")
def every_option(tmp_path_factory):
    return synthesize_every_option(tmp_path_factory)


def test_the_projects_permit_every_kind_any_option_emits_and_nothing_else(every_option, layout):
    """Project before environment: switching an option never needs a project change in the same commit."""
    emitted = {group_kind(o) for output in every_option[0].values() for o in output.objects}
    assert emitted - {("", "Namespace")} == NAMESPACED_KINDS
    _, _, projects, _ = layout
    for name, spec in projects.items():
        for group, kind in NAMESPACED_KINDS:
            assert is_group_kind_name_permitted(spec, group, kind, "", True), (name, kind)


def test_preview_names_keep_to_the_previews_prefix(tmp_path):
    with pytest.raises(ConfigError, match=r"name = 'feature-x' is not allowed: a name starting with 'pr-'"):
        preview_environment(Preview(name="feature-x", owner="ci", expires="2030-01-01"), DEVELOPMENT)
    clash = replace(STAGING, namespace="gorax-pr-staging")
    with pytest.raises(
        ConfigError, match=rf"environment '{STAGING.name}': namespace = 'gorax-pr-staging' is not allowed"
    ):
        load_previews((DEVELOPMENT, clash), DEVELOPMENT, tmp_path / "absent.yaml")
    previews = tmp_path / "previews.yaml"
    previews.write_text("previews:\n  - name: demo\n    owner: ci\n    expires: '2030-01-01'\n")
    with pytest.raises(FileError, match=r"line 2: environment 'demo': name = 'demo' is not allowed"):
        load_previews(ENVIRONMENTS, DEVELOPMENT, previews)
