"""NetworkPolicies in both edge modes: one test per defect we refuse to ship."""

import ipaddress

import pytest

from gorax_constructs.configuration.naming import API, WORKER, Naming
from gorax_constructs.configuration.network import ACME_SOLVER, METADATA_ADDRESS, MIGRATION
from gorax_constructs.pipeline.policies import selector_matches
from gorax_constructs.pipeline.validation import builtin_errors

from .conftest import own_objects
from .k8s_objects import pod_labels


def policies(output):
    return output.of_kind("NetworkPolicy")


def selecting(output, labels, policy_type):
    return [
        p
        for p in policies(output)
        if policy_type in p["spec"]["policyTypes"] and selector_matches(p["spec"]["podSelector"], labels)
    ]


def component_labels(output, component):
    return Naming.of(output.env).component_labels(component)


def test_default_deny_in_both_directions(any_edge):
    deny = [
        p
        for p in policies(any_edge)
        if p["spec"]["podSelector"] == {}
        and set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"}
        and not p["spec"].get("ingress")
        and not p["spec"].get("egress")
    ]
    assert len(deny) == 1


def allows_dns(policy):
    for rule in policy["spec"].get("egress", []):
        ports = {(p.get("protocol", "TCP"), p["port"]) for p in rule.get("ports", [])}
        if {("UDP", 53), ("TCP", 53)} <= ports:
            return True
    return False


@pytest.mark.parametrize("component", [API.name, WORKER.name, MIGRATION])
def test_dns_egress_for_every_pod_with_restricted_egress(any_edge, component):
    labels = component_labels(any_edge, component)
    restricting = selecting(any_edge, labels, "Egress")
    assert restricting, f"{component}: egress is not restricted"
    assert any(allows_dns(p) for p in restricting), f"{component}: egress restricted without DNS (UDP and TCP 53)"


def egress_blocks(output, component):
    labels = component_labels(output, component)
    return [
        peer["ipBlock"]
        for p in selecting(output, labels, "Egress")
        for rule in p["spec"].get("egress", [])
        for peer in rule.get("to", [])
        if "ipBlock" in peer
    ]


def reachable(block, address):
    network = ipaddress.ip_network(address)
    if not network.subnet_of(ipaddress.ip_network(block["cidr"])):
        return False
    return not any(network.subnet_of(ipaddress.ip_network(e)) for e in block.get("except", []))


def test_metadata_address_blocked_for_workers(any_edge):
    blocks = egress_blocks(any_edge, WORKER.name)
    assert blocks, "workers have no external egress at all"
    for address in (METADATA_ADDRESS, *any_edge.env.network.private_ranges):
        assert not any(reachable(b, address) for b in blocks), f"workers can reach {address}"
    assert any(reachable(b, "8.8.8.8/32") for b in blocks)


def test_only_workers_reach_outside_the_cluster(any_edge):
    allowed = set(any_edge.env.network.database.cidrs)  # a database given as CIDRs is the only IP block
    for component in (API.name, MIGRATION):
        assert {b["cidr"] for b in egress_blocks(any_edge, component)} <= allowed, component


def test_api_ingress_only_from_the_edge_and_monitoring(any_edge):
    net = any_edge.env.network
    edge_peer = net.gateway if any_edge.env.edge.mode == "gateway-api" else net.ingress_controller
    labels = component_labels(any_edge, API.name)
    rules = [r for p in selecting(any_edge, labels, "Ingress") for r in p["spec"].get("ingress", [])]
    sources = [peer for rule in rules for peer in rule["from"]]
    assert sources == edge_peer.peers() + net.monitoring.peers()
    assert all(port["port"] == API.port_name for rule in rules for port in rule["ports"])


def test_migration_reaches_the_database(any_edge):
    net = any_edge.env.network
    labels = component_labels(any_edge, MIGRATION)
    rules = [r for p in selecting(any_edge, labels, "Egress") for r in p["spec"].get("egress", [])]
    assert any(r["to"] == net.database.peers() and r["ports"][0]["port"] == net.database_port for r in rules)


def test_policies_select_by_stable_labels_only(any_edge):
    """Every policy selects Gorax pods by their stable labels, except the one for cert-manager's solver pods."""
    stable = set(Naming.of(any_edge.env).selector(API.name))
    for policy in (o for o in own_objects(any_edge) if o["kind"] == "NetworkPolicy"):
        selected = policy["spec"]["podSelector"].get("matchLabels", {})
        assert set(selected) <= stable or selected == ACME_SOLVER


def test_acme_http01_solver_is_reachable_from_the_ingress_controller_in_ingress_mode(any_edge):
    """cert-manager runs its HTTP-01 solver pod in the Certificate's namespace; default deny would block
    every issuance and renewal. The gateway edge has no per-namespace Certificate, so no allowance."""
    solver = [p for p in policies(any_edge) if p["spec"]["podSelector"].get("matchLabels") == ACME_SOLVER]
    if any_edge.env.edge.mode != "ingress-nginx":
        assert solver == []
        return
    (policy,) = solver
    assert policy["spec"]["policyTypes"] == ["Ingress"]
    assert policy["spec"]["ingress"] == [
        {"from": any_edge.env.network.ingress_controller.peers(), "ports": [{"protocol": "TCP", "port": 8089}]}
    ]


def test_every_pod_template_is_selected_by_a_component_policy(any_edge):
    """The namespace-wide policies select everything, so require a policy that names the pod's component."""
    specific = [p for p in policies(any_edge) if p["spec"]["podSelector"]]
    assert specific, "no component NetworkPolicies"
    templates = pod_labels(any_edge.objects)
    assert templates
    unselected = [
        name
        for name, labels in templates
        if not any(selector_matches(p["spec"]["podSelector"], labels) for p in specific)
    ]
    assert unselected == []


def test_gateway_mode_network_policies_validate(gateway_synthesized):
    objects = [o for out in gateway_synthesized.values() for o in policies(out)]
    assert objects
    assert [e for o in objects for e in builtin_errors(o)] == []


# The selector helper the pod-template test relies on.


@pytest.mark.parametrize(
    "selector,labels,expected",
    [
        ({}, {"a": "1"}, True),
        ({"matchLabels": {"a": "1"}}, {"a": "1", "b": "2"}, True),
        ({"matchLabels": {"a": "1"}}, {"a": "2"}, False),
        ({"matchLabels": {"a": "1"}}, {}, False),
        ({"matchExpressions": [{"key": "a", "operator": "In", "values": ["1", "2"]}]}, {"a": "2"}, True),
        ({"matchExpressions": [{"key": "a", "operator": "In", "values": ["1"]}]}, {}, False),
        ({"matchExpressions": [{"key": "a", "operator": "NotIn", "values": ["1"]}]}, {}, True),
        ({"matchExpressions": [{"key": "a", "operator": "NotIn", "values": ["1"]}]}, {"a": "1"}, False),
        ({"matchExpressions": [{"key": "a", "operator": "Exists"}]}, {"a": ""}, True),
        ({"matchExpressions": [{"key": "a", "operator": "DoesNotExist"}]}, {"a": ""}, False),
    ],
)
def test_selector_matches(selector, labels, expected):
    assert selector_matches(selector, labels) is expected


def test_pod_labels_finds_every_workload_kind():
    pod = {"metadata": {"labels": {"c": "x"}}}
    objects = [
        {"kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": pod}},
        {"kind": "Job", "metadata": {"name": "j"}, "spec": {"template": pod}},
        {"kind": "CronJob", "metadata": {"name": "c"}, "spec": {"jobTemplate": {"spec": {"template": pod}}}},
        {"kind": "Service", "metadata": {"name": "s"}, "spec": {}},
    ]
    assert pod_labels(objects) == [("Deployment/d", {"c": "x"}), ("Job/j", {"c": "x"}), ("CronJob/c", {"c": "x"})]


def test_unselected_pod_template_is_detected(environment):
    """The pod-template test is not vacuous: a pod of an unknown component is selected by no component policy."""
    labels = Naming.of(environment.env).component_labels("cache")
    specific = [p for p in policies(environment) if p["spec"]["podSelector"]]
    assert not any(selector_matches(p["spec"]["podSelector"], labels) for p in specific)
