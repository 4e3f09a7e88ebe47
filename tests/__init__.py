# Imported before any test module: gorax_constructs points jsii at the project's Node before cdk8s starts it.
import gorax_constructs  # noqa: F401
