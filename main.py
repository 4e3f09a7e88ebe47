"""The cdk8s app: one chart per Gorax environment (run by ``cdk8s synth``)."""

import os
import sys
from pathlib import Path

from gorax_constructs.errors import ConfigError


def main() -> int:
    try:
        # Environments are validated as they are defined.
        from gorax_constructs.catalog import load_catalog

        catalog = load_catalog()
    except ConfigError as error:
        print(f"gorax: invalid configuration, nothing synthesized:\n{error}", file=sys.stderr)
        return 1
    from gorax_constructs.app import synth_catalog

    # `cdk8s synth` says where to write; run by hand, never write into dist/ directly.
    synth_catalog(catalog, Path(os.environ.get("CDK8S_OUTDIR", "build/synth")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
