"""Production settings pass Django's deployment checks; the environment helpers refuse nonsense."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from assurance.settings import env_bool, env_int

ROOT = Path(__file__).resolve().parents[2]


def run_deploy_check(**variables: str) -> subprocess.CompletedProcess:
    """`manage.py check --deploy --fail-level WARNING` with production settings: the minimum
    variables, plus `variables`."""
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "assurance.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "a-real-secret-" + "x" * 50,
        "DJANGO_ALLOWED_HOSTS": "assurance.example.org",
        **variables,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = run_deploy_check()

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "assurance.settings", "DJANGO_DEBUG": "0"}
    env.pop("DJANGO_SECRET_KEY", None)

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("false", False), ("", True)])
def test_env_bool_reads_common_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("SOME_FLAG", raw)

    assert env_bool("SOME_FLAG", True) is expected


def test_env_bool_refuses_other_values(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "maybe")

    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG must be a boolean"):
        env_bool("SOME_FLAG", False)


def test_env_int_refuses_words(monkeypatch):
    monkeypatch.setenv("SOME_NUMBER", "ten")

    with pytest.raises(ImproperlyConfigured, match="SOME_NUMBER must be a whole number"):
        env_int("SOME_NUMBER", 1)
