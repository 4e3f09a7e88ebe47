"""The synth pipeline: build the App, collect each chart's objects, validate them in memory,
write the YAML into staging, swap it into ``dist/``, and render ``docs/environments.md``.

Top layer: it imports the constructs and the configuration, never the other way round.
"""
