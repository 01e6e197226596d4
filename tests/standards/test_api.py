"""Framework API: read for signed-in people, import and export for coordinators."""

import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from standards.models import Framework, FrameworkVersion


def test_frameworks_list_requires_authentication(client, res_version):
    response = client.get("/api/v1/frameworks/")

    assert response.status_code == 403
    assert response.json()["code"] == "not_authenticated"


def test_frameworks_list_with_token(client, user, res_version):
    token = Token.objects.create(user=user)

    response = client.get("/api/v1/frameworks/", HTTP_AUTHORIZATION=f"Token {token.key}")

    body = response.json()
    assert body["count"] == 1
    framework = body["results"][0]
    assert framework["slug"] == "relational-environment-standards"
    assert framework["versions"][0]["reference"] == "relational-environment-standards@2027.1"


def test_version_detail_nests_domains_and_standards(client, user, res_version):
    client.force_login(user)

    body = client.get(f"/api/v1/framework-versions/{res_version.pk}/").json()

    assert [domain["code"] for domain in body["domains"]][:3] == ["BEL", "BOU", "COM"]
    assert sum(len(domain["standards"]) for domain in body["domains"]) == 40
    assert body["domains"][0]["standards"][0]["code"] == "BEL-1"


def test_standards_list_filters_by_type(client, user, res_version):
    client.force_login(user)

    body = client.get("/api/v1/standards/", {"type": "desirable", "page_size": 200}).json()

    assert body["count"] > 0
    assert {standard["type"] for standard in body["results"]} == {"desirable"}


def test_standards_list_query_count_is_constant(client, user, small_document, res_version):
    from standards.yaml_format import import_framework

    small = import_framework(small_document, source="small.yaml").version
    client.force_login(user)
    client.get("/api/v1/standards/")
    with CaptureQueriesContext(connection) as one:
        client.get("/api/v1/standards/", {"version": small.pk})
    with CaptureQueriesContext(connection) as forty:
        client.get("/api/v1/standards/", {"version": res_version.pk})

    assert len(one.captured_queries) == len(forty.captured_queries)


def test_import_as_yaml_body_creates_a_version(client, coordinator, small_document):
    client.force_login(coordinator)

    response = client.post(
        "/api/v1/frameworks/import/", small_document, content_type="application/yaml"
    )

    assert response.status_code == 201
    assert response.json()["version"]["reference"] == "small-charter@1.0"
    assert response.json()["created"] is True


def test_import_as_multipart_file_and_again_is_a_noop(client, coordinator, small_document):
    client.force_login(coordinator)
    first = client.post(
        "/api/v1/frameworks/import/",
        {"file": SimpleUploadedFile("small.yaml", small_document.encode())},
    )

    second = client.post(
        "/api/v1/frameworks/import/",
        {"file": SimpleUploadedFile("small.yaml", small_document.encode())},
    )

    assert first.status_code == 201
    assert second.status_code == 200
    assert second.json()["created"] is False
    assert FrameworkVersion.objects.count() == 1


def test_import_errors_are_400_with_field_errors_by_path(client, coordinator, small_document):
    client.force_login(coordinator)
    broken = small_document.replace("type: essential", "type: vital")

    response = client.post("/api/v1/frameworks/import/", broken, content_type="application/yaml")

    body = response.json()
    assert response.status_code == 400
    assert body["code"] == "invalid"
    assert body["errors"]["domains[0].standards[0].type"] == [
        "expected one of essential, expected, desirable"
    ]
    assert Framework.objects.count() == 0


def test_import_is_forbidden_to_non_coordinators(client, user, small_document):
    client.force_login(user)

    response = client.post(
        "/api/v1/frameworks/import/", small_document, content_type="application/yaml"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert Framework.objects.count() == 0


def test_import_with_unsupported_media_type_is_415(client, coordinator):
    client.force_login(coordinator)

    response = client.post("/api/v1/frameworks/import/", {"x": 1}, content_type="application/json")

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_export_returns_the_public_format(client, coordinator, res_version):
    client.force_login(coordinator)

    response = client.get(
        "/api/v1/frameworks/relational-environment-standards/versions/2027.1/export/"
    )

    document = yaml.safe_load(response.content)
    assert response["Content-Type"] == "application/yaml"
    assert document["framework"]["version"] == "2027.1"
    assert len(document["domains"]) == 10


def test_export_of_unknown_version_is_json_404(client, coordinator, res_version):
    client.force_login(coordinator)

    response = client.get(
        "/api/v1/frameworks/relational-environment-standards/versions/1999.9/export/"
    )

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_schema_generates(client, user):
    client.force_login(user)

    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/frameworks/import/" in schema["paths"]
