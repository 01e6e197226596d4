"""The import_framework and export_framework management commands."""

from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from standards.models import Framework, FrameworkVersion, Standard
from standards.yaml_format import export_framework, import_framework

ROOT = Path(__file__).resolve().parents[2]
RES = ROOT / "fixtures" / "relational-environment-standards.yaml"
DRF = ROOT / "fixtures" / "developmental-relational-framework.yaml"

SMALL = """\
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


def run(name: str, *args: str) -> tuple[str, str]:
    stdout, stderr = StringIO(), StringIO()
    call_command(name, *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def run_failing(name: str, *args: str) -> tuple[str, str, str]:
    """stdout, stderr and the CommandError's message of a command that must fail."""
    stdout, stderr = StringIO(), StringIO()
    with pytest.raises(CommandError) as caught:
        call_command(name, *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue(), str(caught.value)


@pytest.mark.django_db
def test_import_command_imports_the_fixture_files():
    stdout, stderr = run("import_framework", str(RES), str(DRF))

    assert stdout.splitlines() == [
        "Imported Relational Environment Standards 2027.1 (10 domains, 40 standards)",
        "Imported Developmental Relational Framework 2027.1 (5 domains, 16 standards)",
    ]
    assert stderr == ""
    assert FrameworkVersion.objects.count() == 2


@pytest.mark.django_db
def test_import_command_again_reports_unchanged_and_writes_nothing():
    run("import_framework", str(RES))
    standards = Standard.objects.count()

    stdout, stderr = run("import_framework", str(RES))

    assert stdout == "Already imported, unchanged: Relational Environment Standards 2027.1\n"
    assert stderr == ""
    assert Standard.objects.count() == standards


@pytest.mark.django_db
def test_import_command_is_silent_at_verbosity_zero():
    stdout, stderr = run("import_framework", str(RES), "--verbosity", "0")

    assert (stdout, stderr) == ("", "")
    assert FrameworkVersion.objects.count() == 1


@pytest.mark.django_db
def test_import_command_prints_every_problem_and_still_imports_good_files(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        SMALL.replace("type: essential", "type: vital").replace(
            "name: Arriving", "name: Arriving\n    colour: blue"
        ),
        encoding="utf-8",
    )

    stdout, stderr, error = run_failing("import_framework", str(bad), str(RES))

    assert stderr.splitlines() == [
        f"{bad}: domains[0].colour: unknown key; allowed keys are code, name, summary, standards",
        f"{bad}: domains[0].standards[0].type: expected one of essential, expected, desirable",
    ]
    assert stdout.startswith("Imported Relational Environment Standards 2027.1")
    assert error == ("1 of 2 files could not be imported; nothing was written from those files.")
    assert list(Framework.objects.values_list("slug", flat=True)) == [
        "relational-environment-standards"
    ]


@pytest.mark.django_db
def test_import_command_missing_file_is_a_clear_error(tmp_path):
    missing = tmp_path / "nowhere.yaml"

    _stdout, stderr, error = run_failing("import_framework", str(missing))

    assert stderr == f"{missing}: no such file\n"
    assert "1 of 1 files could not be imported" in error
    assert Framework.objects.count() == 0


@pytest.mark.django_db
def test_import_command_folder_is_a_clear_error(tmp_path):
    _stdout, stderr, error = run_failing("import_framework", str(tmp_path))

    assert stderr == f"{tmp_path}: this is a folder, not a file\n"
    assert "1 of 1 files could not be imported" in error
    assert Framework.objects.count() == 0


@pytest.mark.django_db
def test_import_command_refuses_an_oversize_file_without_reading_it_all(tmp_path, settings):
    settings.FRAMEWORK_MAX_UPLOAD_BYTES = 1_000
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * 50_000)

    _stdout, stderr, error = run_failing("import_framework", str(big))

    assert stderr == f"{big}: the file is 1,001 bytes; the largest accepted is 1,000 bytes\n"
    assert "1 of 1 files could not be imported" in error
    assert Framework.objects.count() == 0


@pytest.mark.django_db
def test_export_command_writes_yaml_to_stdout():
    version = import_framework(RES.read_bytes(), source=RES.name).version

    stdout, stderr = run("export_framework", "relational-environment-standards", "2027.1")

    assert stdout == export_framework(version)
    assert yaml.safe_load(stdout)["framework"]["version"] == "2027.1"
    assert stderr == ""


@pytest.mark.django_db
def test_export_command_writes_a_file_with_output_option(tmp_path):
    version = import_framework(SMALL, source="small.yaml").version
    target = tmp_path / "small-1.0.yaml"

    stdout, stderr = run("export_framework", "small-charter", "1.0", "-o", str(target))

    assert target.read_text(encoding="utf-8") == export_framework(version)
    assert stdout == ""
    assert stderr == f"Wrote Small Charter 1.0 to {target}\n"


@pytest.mark.django_db
def test_export_command_output_reimports_as_unchanged(tmp_path):
    import_framework(DRF.read_bytes(), source=DRF.name)
    target = tmp_path / "drf.yaml"
    run("export_framework", "developmental-relational-framework", "2027.1", "-o", str(target))

    stdout, stderr = run("import_framework", str(target))

    assert stderr == ""
    assert stdout == "Already imported, unchanged: Developmental Relational Framework 2027.1\n"


@pytest.mark.django_db
def test_export_command_unknown_slug_names_the_frameworks_that_exist():
    import_framework(SMALL, source="small.yaml")

    stdout, _stderr, error = run_failing("export_framework", "no-such-framework", "1.0")

    assert stdout == ""
    assert error == "There is no framework no-such-framework. Imported frameworks: small-charter."


@pytest.mark.django_db
def test_export_command_with_no_frameworks_says_so():
    stdout, _stderr, error = run_failing("export_framework", "small-charter", "1.0")

    assert stdout == ""
    assert error == "There is no framework small-charter. No frameworks have been imported yet."


@pytest.mark.django_db
def test_export_command_unknown_version_lists_the_versions():
    import_framework(SMALL, source="small.yaml")
    import_framework(SMALL.replace('"1.0"', '"1.1"'), source="small.yaml")

    stdout, _stderr, error = run_failing("export_framework", "small-charter", "9.9")

    assert stdout == ""
    assert error == "small-charter has no version 9.9. Its versions: 1.0, 1.1."
