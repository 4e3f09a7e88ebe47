"""The cdk8s app: one chart per Gorax environment (run by ``cdk8s synth``)."""

import os
import sys

from gorax_constructs.errors import ConfigError


def main() -> int:
    try:
        # Environments are validated as they are defined, at import.
        from gorax_constructs.environments import ENVIRONMENTS
    except ConfigError as error:
        print(f"gorax: invalid configuration, nothing synthesized:\n{error}", file=sys.stderr)
        return 1
    from gorax_constructs.app import build_app

    # `cdk8s synth` says where to write; run by hand, never write into dist/ directly.
    build_app(ENVIRONMENTS, outdir=os.environ.get("CDK8S_OUTDIR", "build/synth")).synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
