"""Property: any config either raises ConfigError, or synthesizes manifests that pass schema validation."""

from dataclasses import replace

from hypothesis import HealthCheck, given, settings

from gorax_constructs.configuration.errors import ConfigError
from gorax_constructs.pipeline.validation import document_errors

from .conftest import synthesize_environments
from .strategies import environment_configs


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=environment_configs())
def test_config_is_rejected_or_synthesizes_valid_manifests(drawn, tmp_path_factory):
    base, overrides = drawn
    try:
        env = replace(base, **overrides)
    except ConfigError as error:
        assert f"environment '{base.name}'" in str(error)
        return
    output = synthesize_environments((env,), tmp_path_factory.mktemp("property"))[env.name]
    objects = output.objects
    assert objects
    errors = [e for obj in objects for e in document_errors(obj)]
    assert errors == []
