from pathlib import Path

import pytest

from standards.yaml_format import import_framework

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def res_version(db):
    """The Relational Environment Standards fixture, imported."""
    path = FIXTURES / "relational-environment-standards.yaml"
    return import_framework(path.read_bytes(), source=path.name).version


@pytest.fixture
def small_document() -> str:
    return """\
framework:
  slug: small-charter
  name: Small Charter
  version: "1.0"
domains:
  - code: A
    name: Arriving
    standards:
      - code: A-1
        title: Welcome
        statement: People are welcomed by name.
        type: essential
"""
