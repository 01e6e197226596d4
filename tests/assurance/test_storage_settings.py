"""The storage and cache switches of assurance/settings.py, and the app's files going through
the storage API: with an in-memory storage as the default, evidence and report PDFs are stored,
read and downloaded without a single file written to the media folder.

The switches are tested as the functions settings.py calls, and once as a whole settings
module loaded in a fresh interpreter with the environment a production host would set.
"""

import hashlib
import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.core.cache.backends.redis import RedisCache
from django.core.files.storage import InMemoryStorage, default_storage, storages
from django.urls import reverse
from storages.backends.s3 import S3Storage

from assurance import roles
from assurance import settings as project_settings
from assurance.models import Membership
from reviews import workflow
from reviews.cycles import default_dates, enrol, open_cycle
from reviews.models import Evidence, RenderJob, Report, Review
from reviews.report import issuing
from standards.yaml_format import import_framework
from tests.factories import NetworkFactory, ServiceFactory, UserFactory
from tests.reviews.data.evidence_files import pdf_bytes, stored_files, upload
from tests.reviews.report_data import build_world_review

ROOT = Path(__file__).resolve().parents[2]
S3_ENV = {
    "STORAGE_S3_BUCKET": "assurance-media",
    "STORAGE_S3_ENDPOINT_URL": "https://objects.example.net",
    "STORAGE_S3_REGION": "eu-west-2",
    "STORAGE_S3_ACCESS_KEY_ID": "AKEXAMPLE",
    "STORAGE_S3_SECRET_ACCESS_KEY": "example-secret",
    "STORAGE_S3_PREFIX": "production",
}
OPERATIONS_ENV = (*S3_ENV, "REDIS_URL")


@pytest.fixture
def clean_env(monkeypatch):
    for name in OPERATIONS_ENV:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


# The switches ---------------------------------------------------------------------------------


def test_file_storage_without_a_bucket_is_the_media_folder(clean_env):
    assert project_settings.file_storage() == {
        "BACKEND": "django.core.files.storage.FileSystemStorage"
    }


def test_file_storage_with_a_bucket_is_a_private_s3_bucket(clean_env):
    for name, value in S3_ENV.items():
        clean_env.setenv(name, value)

    storage = storages.create_storage(project_settings.file_storage())

    assert isinstance(storage, S3Storage)
    assert (storage.bucket_name, storage.endpoint_url, storage.region_name) == (
        "assurance-media",
        "https://objects.example.net",
        "eu-west-2",
    )
    assert (storage.access_key, storage.secret_key) == ("AKEXAMPLE", "example-secret")
    assert storage.location == "production"
    assert storage.default_acl == "private"
    assert storage.querystring_auth is True
    assert storage.custom_domain is None
    assert storage.file_overwrite is False


def test_file_storage_leaves_unset_credentials_to_boto3(clean_env):
    clean_env.setenv("STORAGE_S3_BUCKET", "assurance-media")

    options = project_settings.file_storage()["OPTIONS"]

    assert options["access_key"] is None
    assert options["secret_key"] is None
    assert options["endpoint_url"] is None


def test_cache_and_sessions_without_redis_are_local_memory_and_the_database(clean_env):
    caches, engine = project_settings.cache_and_sessions()

    assert caches["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert engine == "django.contrib.sessions.backends.db"


def test_cache_and_sessions_with_redis_use_it_with_database_backed_sessions(clean_env):
    clean_env.setenv("REDIS_URL", "redis://cache.internal:6379/2")

    caches, engine = project_settings.cache_and_sessions()

    assert caches["default"] == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://cache.internal:6379/2",
    }
    assert engine == "django.contrib.sessions.backends.cached_db"
    cache = RedisCache(caches["default"]["LOCATION"], {})  # builds without connecting
    assert cache._servers == ["redis://cache.internal:6379/2"]


PRINT_SETTINGS = """
import json
import django
from django.conf import settings
from django.core.cache import caches
from django.core.files.storage import storages
django.setup()
print(json.dumps({
    "storage": type(storages["default"]).__name__,
    "bucket": storages["default"].bucket_name,
    "cache": type(caches["default"]).__name__,
    "sessions": settings.SESSION_ENGINE,
}))
"""


def test_production_settings_under_the_environment_switch_storage_and_cache():
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in OPERATIONS_ENV and not name.startswith(("DJANGO_", "DATABASE_"))
    }
    env |= S3_ENV | {
        "REDIS_URL": "redis://cache.internal:6379/0",
        "DJANGO_SETTINGS_MODULE": "assurance.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "a-long-random-secret-for-this-test-only-0123456789abcdef",
        "DJANGO_ALLOWED_HOSTS": "assurance.example.org",
    }

    finished = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert finished.returncode == 0, finished.stderr
    assert json.loads(finished.stdout.strip().splitlines()[-1]) == {
        "storage": "S3Storage",
        "bucket": "assurance-media",
        "cache": "RedisCache",
        "sessions": "django.contrib.sessions.backends.cached_db",
    }


def settings_variables() -> set[str]:
    """Every environment variable assurance/settings.py reads through its env helpers."""
    source = (ROOT / "assurance" / "settings.py").read_text()
    return set(re.findall(r'\benv(?:_bool|_int|_list)?\(\s*"([A-Z][A-Z0-9_]+)"', source))


def test_env_example_and_deployment_guide_list_every_variable_the_settings_read():
    listed = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
    guide = (ROOT / "docs" / "deployment.md").read_text()
    variables = settings_variables()

    assert {"STORAGE_S3_BUCKET", "REDIS_URL", "EVIDENCE_RETENTION_DAYS"} <= variables
    assert variables - listed == set()
    assert {name for name in variables if f"`{name}`" not in guide} == set()


# Files through the storage API ----------------------------------------------------------------


@pytest.fixture
def in_memory(settings, tmp_path):
    """An in-memory default storage; the media folder is an empty folder that must stay so."""
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    assert isinstance(storages["default"], InMemoryStorage)
    return tmp_path


def test_evidence_upload_and_download_go_through_the_storage(client, in_memory, db):
    network = NetworkFactory()
    service = ServiceFactory(network=network)
    staff, coordinator = UserFactory(), UserFactory()
    roles.join_service(staff, service, Membership.Role.STAFF)
    roles.appoint_coordinator(coordinator, network)
    fixture = ROOT / "fixtures" / "developmental-relational-framework.yaml"
    version = import_framework(fixture.read_bytes(), source=fixture.name).version
    cycle = open_cycle(
        network=network,
        name="2027",
        versions=[version],
        **default_dates(network, date(2027, 1, 4)),
    )
    review = enrol(cycle, service, version, by=coordinator)
    response = review.responses.order_by("standard__order").first()
    content = pdf_bytes()
    client.force_login(staff)

    added = client.post(
        reverse("reviews:evidence_add", args=[review.pk]),
        {
            "kind": Evidence.Kind.FILE,
            "title": "Community meeting minutes",
            "responses": [response.pk],
            "attested": "on",
            "file": upload("minutes.pdf", content),
        },
    )
    item = Evidence.objects.get(review=review)
    downloaded = client.get(reverse("reviews:evidence_download", args=[review.pk, item.pk]))
    # Read the download before looking in the storage: InMemoryStorage hands out one shared
    # stream per file, where a real storage opens a new one each time.
    body = b"".join(downloaded.streaming_content)

    assert added.status_code == 302
    assert default_storage.exists(item.file.name)
    with default_storage.open(item.file.name, "rb") as stored:
        assert stored.read() == content
    assert item.sha256 == hashlib.sha256(content).hexdigest()
    assert downloaded.status_code == 200
    assert body == content
    assert 'filename="minutes.pdf"' in downloaded["Content-Disposition"]
    assert stored_files(in_memory) == set()


@pytest.mark.pdf
def test_report_pdf_is_rendered_stored_and_downloaded_through_the_storage(client, in_memory, db):
    review = build_world_review()
    lead_reviewer = review.assignments.get(role="lead").reviewer.user
    service_lead = review.service.memberships.get(role=Membership.Role.SERVICE_LEAD).user
    workflow.transition(review, Review.Status.ACCURACY_CHECK, by=lead_reviewer)
    draft = issuing.latest_draft(review)
    job = draft.render_jobs.get(what=RenderJob.What.REPORT)

    status = issuing.render_report.call(job.pk)
    draft = Report.objects.get(pk=draft.pk)
    client.force_login(service_lead)
    downloaded = client.get(reverse("reviews:report_pdf", args=[review.pk, draft.pk]))

    assert status == RenderJob.Status.READY
    with default_storage.open(draft.pdf.name, "rb") as stored:
        data = stored.read()
    assert data.startswith(b"%PDF-")
    assert hashlib.sha256(data).hexdigest() == draft.sha256
    assert downloaded.status_code == 200
    assert downloaded.content == data
    assert stored_files(in_memory) == set()
