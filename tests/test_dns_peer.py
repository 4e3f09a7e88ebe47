"""DNS egress: the cluster DNS namespace, and NodeLocal DNSCache's host-network address when configured."""

from __future__ import annotations

import ipaddress
from dataclasses import replace

import pytest

from gorax_constructs.configuration.errors import ConfigError
from gorax_constructs.pipeline.policies import selector_matches

from .conftest import synthesize_environments
from .fixture_catalog import STAGING
from .test_options import COMPONENTS, pod_template

NODE_LOCAL_DNS = "169.254.20.10/32"


def reaches(output, component, address, protocol, port) -> bool:
    labels = pod_template(output, component)["metadata"]["labels"]
    target = ipaddress.ip_network(address)
    for policy in output.of_kind("NetworkPolicy"):
        if "Egress" not in policy["spec"]["policyTypes"] or not selector_matches(policy["spec"]["podSelector"], labels):
            continue
        for rule in policy["spec"].get("egress", []):
            if rule.get("ports") and {"protocol": protocol, "port": port} not in rule["ports"]:
                continue
            for peer in rule.get("to", []):
                block = peer.get("ipBlock")
                if block is None:
                    continue
                excluded = any(target.subnet_of(ipaddress.ip_network(e)) for e in block.get("except", []))
                if target.subnet_of(ipaddress.ip_network(block["cidr"])) and not excluded:
                    return True
    return False


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    local = replace(
        STAGING,
        name="nodelocal",
        prefix="nodelocal",
        namespace="gorax-nodelocal",
        api_host="api.nodelocal.fixture.test",
        webhooks_host="webhooks.nodelocal.fixture.test",
        network=replace(STAGING.network, dns_cidrs=(NODE_LOCAL_DNS,)),
    )
    return synthesize_environments((STAGING, local), tmp_path_factory.mktemp("dns"))


@pytest.mark.parametrize("component", COMPONENTS)
def test_node_local_dns_is_reached_only_when_configured(outputs, component):
    for protocol in ("UDP", "TCP"):
        assert reaches(outputs["nodelocal"], component, NODE_LOCAL_DNS, protocol, 53)
        assert not reaches(outputs[STAGING.name], component, NODE_LOCAL_DNS, protocol, 53)
    if component != "worker":  # workers reach 80/443 outside the private ranges by design
        assert not reaches(outputs["nodelocal"], component, NODE_LOCAL_DNS, "TCP", 443)


def test_a_dns_cidr_that_is_every_address_is_a_config_error():
    with pytest.raises(ConfigError, match=r"network.dns_cidrs = '0.0.0.0/0' is not allowed"):
        replace(STAGING, network=replace(STAGING.network, dns_cidrs=("0.0.0.0/0",)))
