"""Cloud API egress: nothing without the opt-in, only the named endpoints with it, the same shape on every cloud."""

from __future__ import annotations

import ipaddress
from dataclasses import replace

import pytest

from gorax_constructs.configuration.errors import ConfigError
from gorax_constructs.configuration.identity import AwsIrsa, AzureWorkloadIdentity, CloudApis, GkeWorkloadIdentity
from gorax_constructs.configuration.naming import API, WORKER
from gorax_constructs.configuration.network import MIGRATION

from .conftest import synthesize_environments
from .fixture_catalog import STAGING, option_environment
from .test_options import COMPONENTS, ENTRA, GKE_METADATA, STS, allowed

ENDPOINTS = ("10.20.30.0/24", "199.36.153.8/30")  # an interface-endpoint subnet; private.googleapis.com
IDENTITIES = {
    "aws": lambda apis: AwsIrsa(role_arn="arn:aws:iam::123456789012:role/gorax", cloud_apis=apis),
    "gcp": lambda apis: GkeWorkloadIdentity(
        service_account="gorax-app@my-project.iam.gserviceaccount.com", cloud_apis=apis
    ),
    "azure": lambda apis: AzureWorkloadIdentity(
        client_id="0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
        tenant_id="11111111-2222-3333-4444-555555555555",
        cloud_apis=apis,
    ),
}
PUBLIC = (STS, ENTRA, "8.8.8.8/32")
EVERY_ADDRESS = {"0.0.0.0/0", "::/0"}


def env_for(cloud, apis):
    return option_environment(f"ce-{cloud}-{'on' if apis else 'off'}", identity=IDENTITIES[cloud](apis))


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    envs = tuple(env_for(cloud, apis) for cloud in IDENTITIES for apis in (None, CloudApis(cidrs=ENDPOINTS)))
    return synthesize_environments(envs, tmp_path_factory.mktemp("cloud-egress"))


def blocks_for(output, component):
    """Every ipBlock an egress rule lets ``component``'s pods reach."""
    from gorax_constructs.pipeline.policies import selector_matches

    from .test_options import pod_template

    labels = pod_template(output, component)["metadata"]["labels"]
    return {
        peer["ipBlock"]["cidr"]
        for policy in output.of_kind("NetworkPolicy")
        if selector_matches(policy["spec"]["podSelector"], labels)
        for rule in policy["spec"].get("egress", [])
        for peer in rule.get("to", [])
        if "ipBlock" in peer
    }


@pytest.mark.parametrize("cloud", IDENTITIES)
def test_without_the_opt_in_the_identity_opens_nothing(outputs, cloud):
    output = outputs[f"ce-{cloud}-off"]
    assert [p for p in output.of_kind("NetworkPolicy") if p["metadata"]["name"].endswith("-workload-identity")] == []
    for component in (API.name, MIGRATION):
        assert not blocks_for(output, component) & EVERY_ADDRESS, component
        for address in PUBLIC:
            assert not allowed(output, component, address, 443), (component, address)
        for address, port in GKE_METADATA:
            assert not allowed(output, component, address, port), (component, address)


@pytest.mark.parametrize("cloud", IDENTITIES)
def test_with_the_opt_in_api_and_workers_reach_the_named_endpoints_and_no_more(outputs, cloud):
    output = outputs[f"ce-{cloud}-on"]
    for component in COMPONENTS:
        calls_apis = component in (API.name, WORKER.name)
        for cidr in ENDPOINTS:
            address = str(next(ipaddress.ip_network(cidr).hosts()))
            assert allowed(output, component, f"{address}/32", 443) is calls_apis, (component, cidr)
            assert not allowed(output, component, f"{address}/32", 8443)
        if component != WORKER.name:  # workers call outside services on 80/443 by design (network.external_ports)
            assert not blocks_for(output, component) & EVERY_ADDRESS, component
            for address in PUBLIC:
                assert not allowed(output, component, address, 443), (component, address)
        for address, port in GKE_METADATA:  # where GKE's token comes from, for the pods that call APIs
            assert allowed(output, component, address, port) is (calls_apis and cloud == "gcp"), (component, address)


def test_the_opt_in_is_the_same_on_every_cloud():
    apis = CloudApis(cidrs=ENDPOINTS)
    named = {cloud: {(e.cidr, e.port) for e in make(apis).egress} for cloud, make in IDENTITIES.items()}
    expected = {(cidr, 443) for cidr in ENDPOINTS}
    assert named["aws"] == named["azure"] == expected
    assert named["gcp"] - expected == {(cidr, port) for cidr, port in GKE_METADATA}


@pytest.mark.parametrize(
    "cidrs,allowed_text",
    [
        (("0.0.0.0/0",), "/16 or narrower"),
        (("52.0.0.0/8",), "/16 or narrower"),
        (("::/0",), "/16 or narrower"),
        (("10.0.0.1/24",), "host bits zero"),
        ((), "at least one CIDR"),
    ],
)
def test_an_open_ended_opt_in_is_a_config_error(cidrs, allowed_text):
    with pytest.raises(ConfigError) as caught:
        replace(STAGING, identity=IDENTITIES["aws"](CloudApis(cidrs=cidrs)))
    message = str(caught.value)
    assert message.startswith(f"environment '{STAGING.name}': identity.cloud_apis.cidrs = ") and allowed_text in message
