"""DNS egress: the cluster DNS namespace, and NodeLocal DNSCache's host-network address when configured."""

from __future__ import annotations

from dataclasses import replace

import pytest

from gorax_constructs.configuration.errors import ConfigError

from .conftest import synthesize_environments
from .fixture_catalog import STAGING
from .test_options import COMPONENTS, allowed

NODE_LOCAL_DNS = "169.254.20.10/32"


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
        assert allowed(outputs["nodelocal"], component, NODE_LOCAL_DNS, 53, protocol)
        assert not allowed(outputs[STAGING.name], component, NODE_LOCAL_DNS, 53, protocol)
    if component != "worker":  # workers reach 80/443 outside the private ranges by design
        assert not allowed(outputs["nodelocal"], component, NODE_LOCAL_DNS, 443, "TCP")


def test_a_dns_cidr_that_is_every_address_is_a_config_error():
    with pytest.raises(ConfigError, match=r"network.dns_cidrs = '0.0.0.0/0' is not allowed"):
        replace(STAGING, network=replace(STAGING.network, dns_cidrs=("0.0.0.0/0",)))
