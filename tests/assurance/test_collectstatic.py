"""Production collects static files with hashed names; every file a stylesheet points at must
exist, or collectstatic stops (it did once, for GOV.UK Frontend's crest image)."""

from django.core.management import call_command
from django.test import override_settings


def test_collectstatic_with_the_manifest_storage_finds_every_referenced_file(tmp_path, settings):
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=str(tmp_path), STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)
    manifest = (tmp_path / "staticfiles.json").read_text()
    assert "build/app.css" in manifest
    assert "build/assets/images/govuk-crest.svg" in manifest
