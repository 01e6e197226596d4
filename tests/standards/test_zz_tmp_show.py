import pytest
from pathlib import Path
from standards.yaml_format import import_framework, export_framework

@pytest.mark.django_db
def test_show():
    for name in ["tests/standards/data/outsider-framework.yaml", "tests/standards/data/outsider-framework-2.yaml", "fixtures/relational-environment-standards.yaml"]:
        p = Path("/work/main") / name
        v = import_framework(p.read_bytes(), source=p.name).version
        Path("/tmp/" + p.name).write_text(export_framework(v))
