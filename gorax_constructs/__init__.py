"""Reusable cdk8s constructs and typed configuration for the Gorax environments."""

from .node import use_project_node

# Before any module of the package imports cdk8s (which starts jsii's Node).
use_project_node()
