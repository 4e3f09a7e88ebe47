"""Reusable cdk8s constructs and typed configuration for the Gorax environments."""
