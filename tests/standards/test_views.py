"""Framework pages: list, version detail, upload (coordinators only) and export."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from standards.models import Framework, FrameworkVersion, Standard


def upload(client, name: str, content: bytes):
    return client.post(
        reverse("standards:framework_upload"),
        {"file": SimpleUploadedFile(name, content, content_type="application/yaml")},
    )


def test_framework_list_shows_versions_to_any_signed_in_person(client, user, res_version):
    client.force_login(user)

    response = client.get(reverse("standards:framework_list"))

    content = response.content.decode()
    assert "Relational Environment Standards" in content
    assert (
        reverse("standards:version_detail", args=[res_version.framework.slug, "2027.1"]) in content
    )
    assert "Upload a framework" not in content  # not a coordinator


def test_framework_list_empty_state_explains_who_adds_frameworks(client, user):
    client.force_login(user)

    response = client.get(reverse("standards:framework_list"))

    assert "No frameworks have been imported yet." in response.content.decode()


def test_framework_list_requires_sign_in(client, res_version):
    response = client.get(reverse("standards:framework_list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_version_detail_shows_every_standard_with_guidance(client, user, res_version):
    client.force_login(user)

    response = client.get(
        reverse("standards:version_detail", args=["relational-environment-standards", "2027.1"])
    )

    content = response.content.decode()
    standards = Standard.objects.filter(version=res_version)
    assert standards.count() == 40
    for standard in standards:
        assert standard.code in content
    first = standards.first()
    assert first.evidence_prompts[0] in content.replace("&#x27;", "'")
    assert "Who to ask" in content


def test_version_detail_of_unknown_version_is_404(client, user, res_version):
    client.force_login(user)

    response = client.get(
        reverse("standards:version_detail", args=["relational-environment-standards", "1999.1"])
    )

    assert response.status_code == 404


def test_version_detail_query_count_does_not_grow_with_standards(
    client, user, small_document, res_version
):
    from standards.yaml_format import import_framework

    import_framework(small_document, source="small.yaml")
    client.force_login(user)
    small_url = reverse("standards:version_detail", args=["small-charter", "1.0"])
    large_url = reverse(
        "standards:version_detail", args=["relational-environment-standards", "2027.1"]
    )
    client.get(small_url)  # warm the session and permission caches

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(small_url)
    with CaptureQueriesContext(connection) as large:
        client.get(large_url)

    assert len(small.captured_queries) == len(large.captured_queries)


def test_framework_list_query_count_does_not_grow_with_frameworks(client, user, small_document):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from standards.yaml_format import import_framework

    client.force_login(user)
    import_framework(small_document, source="small.yaml")
    client.get(reverse("standards:framework_list"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("standards:framework_list"))
    for index in range(2, 6):
        import_framework(
            small_document.replace("small-charter", f"charter-{index}").replace('"1.0"', '"2.0"'),
            source="more.yaml",
        )
    with CaptureQueriesContext(connection) as five:
        client.get(reverse("standards:framework_list"))

    assert len(one.captured_queries) == len(five.captured_queries)


def test_upload_page_is_forbidden_to_non_coordinators(client, user):
    client.force_login(user)

    response = client.get(reverse("standards:framework_upload"))

    assert response.status_code == 403
    assert "permission" in response.content.decode().lower()


def test_upload_imports_a_valid_file(client, coordinator, small_document):
    client.force_login(coordinator)

    response = upload(client, "small.yaml", small_document.encode())

    assert response.status_code == 302
    assert response["Location"] == reverse(
        "standards:version_detail", args=["small-charter", "1.0"]
    )
    version = FrameworkVersion.objects.get(framework__slug="small-charter")
    assert version.imported_by == coordinator
    assert version.standards.count() == 1


def test_upload_of_identical_file_changes_nothing(client, coordinator, small_document):
    client.force_login(coordinator)
    upload(client, "small.yaml", small_document.encode())

    response = upload(client, "small.yaml", small_document.encode())

    assert response.status_code == 302
    assert FrameworkVersion.objects.count() == 1
    follow = client.get(response["Location"])
    assert "Nothing changed" in follow.content.decode()


def test_upload_with_errors_shows_them_in_the_error_summary(client, coordinator, small_document):
    client.force_login(coordinator)
    broken = small_document.replace("type: essential", "type: vital").replace(
        "name: Arriving", "name: Arriving\n    colour: blue"
    )

    response = upload(client, "broken.yaml", broken.encode())

    content = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in content
    assert "domains[0].standards[0].type: expected one of essential, expected, desirable" in content
    assert "domains[0].colour" in content
    assert 'href="#id_file"' in content
    assert content.count("<title>") == 1
    assert "<title>Error:" in " ".join(content.split()).replace("<title> ", "<title>")
    assert Framework.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.yaml", b"", "The selected file is empty."),
        ("latin1.yaml", "framework: {name: Caf\xe9}".encode("latin-1"), "UTF-8"),
        ("syntax.yaml", b"framework: [unclosed", "line"),
    ],
)
def test_upload_refuses_bad_files_with_a_clear_message(client, coordinator, name, content, message):
    client.force_login(coordinator)

    response = upload(client, name, content)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert Framework.objects.count() == 0


def test_upload_refuses_an_oversized_file(client, coordinator, settings, small_document):
    settings.FRAMEWORK_MAX_UPLOAD_BYTES = 100
    client.force_login(coordinator)

    response = upload(client, "big.yaml", small_document.encode())

    assert "The file must be smaller than" in response.content.decode()
    assert Framework.objects.count() == 0


def test_export_downloads_yaml_for_coordinators(client, coordinator, res_version):
    client.force_login(coordinator)

    response = client.get(
        reverse("standards:version_export", args=["relational-environment-standards", "2027.1"])
    )

    assert response["Content-Type"].startswith("application/yaml")
    assert "attachment" in response["Content-Disposition"]
    assert b"slug: relational-environment-standards" in response.content


def test_export_is_forbidden_to_others(client, user, res_version):
    client.force_login(user)

    response = client.get(
        reverse("standards:version_export", args=["relational-environment-standards", "2027.1"])
    )

    assert response.status_code == 403


def test_format_guide_shows_the_documentation_in_the_app(client, user):
    client.force_login(user)

    content = client.get(reverse("standards:format_guide")).content.decode()

    assert content.count("<h1") == 1
    assert "evidence_prompts" in content
    assert "<table>" in content
    assert "expected one of essential, expected, desirable" in content


def test_upload_page_links_to_the_guide_and_an_example(client, coordinator, res_version):
    client.force_login(coordinator)

    content = client.get(reverse("standards:framework_upload")).content.decode()

    assert reverse("standards:format_guide") in content
    assert (
        reverse("standards:version_export", args=[res_version.framework.slug, "2027.1"]) in content
    )


def test_the_example_in_the_format_guide_imports(db):
    import re

    from standards.views import GUIDE
    from standards.yaml_format import import_framework

    example = re.search(r"```yaml\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.DOTALL)

    result = import_framework(example.group(1), source="docs/frameworks.md")

    assert result.created
    assert result.version.standards.count() == 3


def test_upload_with_no_file_at_all_says_what_to_do(client, coordinator):
    client.force_login(coordinator)

    response = client.post(reverse("standards:framework_upload"), {})

    assert "Select a framework file to upload." in response.content.decode()
