"""The edge in both modes (ingress-nginx and gateway-api): one test per defect we refuse to ship."""

import json

import pytest

from gorax_constructs.configuration.edge import IssuedTls
from gorax_constructs.configuration.naming import API_SERVICE_PORT, Naming
from gorax_constructs.parts.appconfig import settings_for
from gorax_constructs.pipeline.validation import custom_resource_errors

NGINX = "nginx.ingress.kubernetes.io/"
SNIPPETS = ("configuration-snippet", "server-snippet", "auth-snippet", "stream-snippet", "modsecurity-snippet")


def blocking(ingress) -> bool:
    """The Ingress that refuses ``edge.blocked_paths`` (tests/test_engines.py checks what it blocks)."""
    return NGINX + "denylist-source-range" in ingress["metadata"].get("annotations", {})


def ingresses(output):
    """The Ingresses that serve traffic, one per host."""
    return [i for i in output.of_kind("Ingress") if not blocking(i)]


def routes(output):
    return output.of_kind("HTTPRoute")


def app_origins(output) -> str:
    return {s.variable: s.value for s in settings_for(output.env)}["CORS_ALLOWED_ORIGINS"]


def test_one_routing_object_per_host(any_edge):
    env = any_edge.env
    if env.edge.mode == "ingress-nginx":
        assert not routes(any_edge)
        hosts = [rule["host"] for ing in ingresses(any_edge) for rule in ing["spec"]["rules"]]
    else:
        assert not ingresses(any_edge)
        hosts = [h for route in routes(any_edge) for h in route["spec"]["hostnames"]]
    assert sorted(hosts) == sorted(env.hosts)


def test_no_snippet_annotations_anywhere(any_edge):
    for obj in any_edge.objects:
        for key in obj["metadata"].get("annotations", {}):
            assert not key.endswith("-snippet"), f"{obj['kind']}/{obj['metadata']['name']}: {key}"
    assert not any(s in json.dumps(any_edge.objects) for s in SNIPPETS)


def test_api_ingress_keeps_the_guide_name(environment):
    ingress = environment.get("Ingress", f"{environment.env.prefix}-gorax-ingress")
    assert [rule["host"] for rule in ingress["spec"]["rules"]] == [environment.env.api_host]
    assert ingress["spec"]["ingressClassName"] == environment.env.edge.ingress_class


def test_cors_origin_never_wildcard_and_equal_to_the_apps(any_edge):
    env = any_edge.env
    seen = []
    for ingress in ingresses(any_edge):
        annotations = ingress["metadata"]["annotations"]
        if annotations.get(NGINX + "enable-cors") == "true":
            # Without cors-allow-origin ingress-nginx answers "*" (credentials allowed by default).
            seen.append(annotations[NGINX + "cors-allow-origin"])
            assert annotations[NGINX + "cors-allow-credentials"] == str(env.cors.allow_credentials).lower()
            for key in ("cors-allow-methods", "cors-allow-headers", "cors-max-age"):
                assert annotations[NGINX + key]
    for route in routes(any_edge):
        for rule in route["spec"]["rules"]:
            for f in rule.get("filters", []):
                if f["type"] == "CORS":
                    seen.append(",".join(f["cors"]["allowOrigins"]))
    assert seen, "CORS is not enabled on any host"
    for origins in seen:
        assert origins == app_origins(any_edge)
        if env.tier != "development":
            assert "*" not in origins.split(",")


def test_cors_only_on_hosts_configured_for_it(any_edge):
    env = any_edge.env
    by_host = {}
    for ingress in ingresses(any_edge):
        by_host[ingress["spec"]["rules"][0]["host"]] = NGINX + "enable-cors" in ingress["metadata"]["annotations"]
    for route in routes(any_edge):
        by_host[route["spec"]["hostnames"][0]] = any(
            f["type"] == "CORS" for rule in route["spec"]["rules"] for f in rule.get("filters", [])
        )
    assert by_host == {env.api_host: env.edge.api.cors, env.webhooks_host: env.edge.webhooks.cors}


def test_tls_hosts_cover_every_rule_host(environment):
    """No Certificate object of ours (Argo CD would wait for it, tests/test_engines.py): issued TLS names one
    secret on every Ingress, and the API Ingress lists both hosts, so ingress-shim's Certificate covers both."""
    env = environment.env
    assert environment.of_kind("Certificate") == []
    for ingress in environment.of_kind("Ingress"):
        tls_hosts = {h for tls in ingress["spec"]["tls"] for h in tls["hosts"]}
        secrets = {tls.get("secretName") for tls in ingress["spec"]["tls"]}
        if isinstance(env.edge.tls, IssuedTls):
            assert secrets == {f"{env.prefix}-gorax-tls"}
        else:
            assert secrets == {env.edge.tls.secret_name or None}
            assert all(env.edge.tls.covers(host) for host in tls_hosts)
        for rule in ingress["spec"]["rules"]:
            assert rule["host"] in tls_hosts
    if isinstance(env.edge.tls, IssuedTls):
        api = environment.get("Ingress", f"{env.prefix}-gorax-ingress")
        assert sorted(h for tls in api["spec"]["tls"] for h in tls["hosts"]) == sorted(env.hosts)


def test_one_ingress_owns_the_issued_certificate(environment):
    """ingress-shim makes a Certificate per annotated Ingress and secret: two annotated Ingresses sharing
    the secret would give it two owners fighting over its spec."""
    env = environment.env
    annotated = [
        i["metadata"]["name"]
        for i in environment.of_kind("Ingress")
        if any(key.startswith("cert-manager.io/") for key in i["metadata"].get("annotations", {}))
    ]
    if isinstance(env.edge.tls, IssuedTls):
        assert annotated == [f"{env.prefix}-gorax-ingress"]
    else:
        assert annotated == []


def test_ssl_redirect_and_per_host_limits(environment):
    env = environment.env
    limits = {env.api_host: env.edge.api, env.webhooks_host: env.edge.webhooks}
    for ingress in ingresses(environment):
        annotations = ingress["metadata"]["annotations"]
        host = limits[ingress["spec"]["rules"][0]["host"]]
        assert annotations[NGINX + "ssl-redirect"] == "true"
        assert annotations[NGINX + "limit-rps"] == str(host.requests_per_second)
        assert annotations[NGINX + "limit-burst-multiplier"] == str(host.burst_multiplier)
        assert annotations[NGINX + "limit-connections"] == str(host.connections)
        assert annotations[NGINX + "proxy-read-timeout"] == str(host.read_timeout_seconds)
    assert env.edge.webhooks.read_timeout_seconds >= 300, "webhook senders need long read timeouts"


def test_rate_limit_policy_targets_each_route(gateway_synthesized):
    for output in gateway_synthesized.values():
        route_names = {r["metadata"]["name"] for r in routes(output)}
        targeted = {
            ref["name"]
            for policy in output.of_kind("BackendTrafficPolicy")
            for ref in policy["spec"]["targetRefs"]
            if ref["kind"] == "HTTPRoute"
        }
        assert route_names and targeted == route_names
        for policy in output.of_kind("BackendTrafficPolicy"):
            assert policy["spec"]["rateLimit"]["local"]["rules"]


def test_routes_attach_to_the_configured_gateway(gateway_synthesized):
    for output in gateway_synthesized.values():
        gateway = output.env.edge.gateway
        for route in routes(output):
            (parent,) = route["spec"]["parentRefs"]
            assert (parent["name"], parent["namespace"]) == (gateway.name, gateway.namespace)
            assert parent["sectionName"] == output.env.edge.listener(route["spec"]["hostnames"][0]).name


def backends(output):
    for ingress in ingresses(output):
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                service = path["backend"]["service"]
                yield ingress["metadata"]["name"], service["name"], service["port"]["number"]
    for route in routes(output):
        for rule in route["spec"]["rules"]:
            for ref in rule.get("backendRefs", []):
                yield route["metadata"]["name"], ref["name"], ref["port"]


def test_backends_name_the_api_service_port(any_edge):
    expected = (Naming.of(any_edge.env).name("api"), API_SERVICE_PORT)
    found = list(backends(any_edge))
    assert found
    assert all((name, port) == expected for _, name, port in found)


def test_every_backend_names_an_existing_service_port(any_edge):
    services = any_edge.of_kind("Service")
    assert services
    ports = {(s["metadata"]["name"], p["port"]) for s in services for p in s["spec"]["ports"]}
    missing = [f"{owner} -> {name}:{port}" for owner, name, port in backends(any_edge) if (name, port) not in ports]
    assert missing == []


@pytest.mark.parametrize("kind", ["HTTPRoute", "BackendTrafficPolicy"])
def test_custom_resources_validate_against_their_crds(kind, synthesized, gateway_synthesized):
    objects = [o for out in (*synthesized.values(), *gateway_synthesized.values()) for o in out.of_kind(kind)]
    assert objects, f"no {kind} synthesized in any mode"
    errors = [f"{o['metadata']['name']}: {e}" for o in objects for e in custom_resource_errors(o)]
    assert errors == []
