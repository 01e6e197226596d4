"""Tests for the standards app: frameworks, their YAML format and commands."""
