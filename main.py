"""The cdk8s app (``app:`` in cdk8s.yaml; ``make synth`` runs it directly): the synth of every Gorax environment,
validated and promoted to ``dist/`` (``gorax_constructs/pipeline/app.py``)."""

import sys

from gorax_constructs.pipeline.app import main
from gorax_constructs.pipeline.reporting import run

if __name__ == "__main__":
    sys.exit(run(main))
