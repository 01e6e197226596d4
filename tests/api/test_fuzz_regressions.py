"""What the API fuzzer (test_fuzz.py) found, one focused test each, on the fixed cast.

- A filter by id took any decimal: `?review=1e300` overflowed the database (a 500) and
  `?review=1.5` quietly meant 1. Ids are whole numbers within range, else 400
  (assurance.rest.IdFilter).
- The schema declared no error answers: not the 400, 403 and 404 every operation can give, nor
  the 409 and 428 that many writes describe in words (assurance.rest).
- Answers that broke their own schema: agenda times ("09:30:00" is no JSON Schema `time`,
  which needs an offset), a hidden member's email (null, declared a string), a note's or a
  file's evidence `url` (empty, declared a URI), an evidence download (declared
  application/octet-stream, sent as the file's type) and a framework export (a YAML document,
  declared a string).

Responses are judged by the fuzzer's own checks (tests/api/fuzzing.py, `checked_answer`). The
review fixtures come from tests/reviews/conftest.py (through tests/api/conftest.py).
"""

from datetime import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from reviews.evidence import add_evidence
from reviews.models import Evidence
from tests.api import fuzzing
from tests.reviews.test_visit import add_item, plan


@pytest.fixture(scope="module")
def api_schema(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), fuzzing.DirectRequests():
        return fuzzing.load_schema(fuzzing.World())


@pytest.fixture
def direct(db):
    with fuzzing.DirectRequests():
        yield


def operations(api_schema):
    for path, methods in api_schema.raw_schema["paths"].items():
        for method, operation in methods.items():
            yield method, path, operation


# Ids in filters --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/api/v1/shares/", "review"),
        ("/api/v1/actions/", "review"),
        ("/api/v1/reviews/", "cycle"),
        ("/api/v1/memberships/", "service"),
    ],
)
@pytest.mark.parametrize("value", ["99999999999999999999", "1.5", "0"])
def test_id_filter_out_of_range_or_not_whole_is_a_field_error(
    client, service_lead, url, name, value
):
    client.force_login(service_lead)

    response = client.get(url, {name: value})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["errors"]) == [name]


def test_id_filter_is_declared_a_whole_number_in_range(api_schema):
    parameters = api_schema.raw_schema["paths"]["/api/v1/shares/"]["get"]["parameters"]
    review = next(p for p in parameters if p["name"] == "review")

    assert review["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}


# Declared answers -------------------------------------------------------------------------------


def test_every_operation_declares_its_problem_answers(api_schema):
    undeclared = []
    for method, path, operation in operations(api_schema):
        expected = {"403"}
        if "{" in path:
            expected.add("404")
        if "requestBody" in operation:
            expected.add("400")
        missing = expected - set(operation["responses"])
        if missing:
            undeclared.append(f"{method.upper()} {path}: {sorted(missing)}")

    assert undeclared == []
    problem = api_schema.raw_schema["components"]["schemas"]["ProblemBody"]
    assert problem["required"] == ["code", "message"]


def test_every_write_declares_the_409_and_428_it_describes(api_schema):
    undeclared = []
    for method, path, operation in operations(api_schema):
        if method == "get":
            continue
        described = {code for code in ("409", "428") if code in operation.get("description", "")}
        missing = described - set(operation["responses"])
        if missing:
            undeclared.append(f"{method.upper()} {path}: {sorted(missing)}")

    assert undeclared == []


def test_write_without_a_version_is_a_declared_428(api_schema, direct, review, staff):
    response_row = review.responses.first()

    answer = fuzzing.checked_answer(
        api_schema,
        "PATCH",
        "/api/v1/responses/{id}/",
        staff,
        path_parameters={"id": response_row.pk},
        body={"narrative": "We meet every morning."},
    )

    assert answer.status_code == 428
    assert answer.json()["code"] == "version_required"


def test_move_refused_at_this_stage_is_a_declared_409(api_schema, direct, review, staff):
    answer = fuzzing.checked_answer(
        api_schema,
        "POST",
        "/api/v1/reviews/{id}/carry-forward/",
        staff,
        path_parameters={"id": review.pk},
    )

    assert answer.status_code == 409
    assert answer.json()["code"] == "cannot_carry_forward"


# Answers within their schema --------------------------------------------------------------------


def test_agenda_item_times_are_within_the_schema(api_schema, direct, peer_review, lead_reviewer):
    visit = plan(peer_review, lead_reviewer)
    item = add_item(visit, lead_reviewer, starts_at=time(9, 30), ends_at=None)

    answer = fuzzing.checked_answer(
        api_schema,
        "GET",
        "/api/v1/agenda-items/{id}/",
        lead_reviewer,
        path_parameters={"id": item.pk},
    )

    assert answer.status_code == 200
    assert (answer.json()["starts_at"], answer.json()["ends_at"]) == ("09:30:00", None)


def test_member_whose_email_is_hidden_is_within_the_schema(
    api_schema, direct, service_lead, lived_experience
):
    answer = fuzzing.checked_answer(api_schema, "GET", "/api/v1/memberships/", lived_experience)

    assert answer.status_code == 200
    lead = next(m for m in answer.json()["results"] if m["user"]["id"] == service_lead.pk)
    assert lead["user"]["email"] is None


def test_evidence_note_and_file_download_are_within_the_schema(api_schema, direct, review, staff):
    note = add_evidence(
        review,
        by=staff,
        kind=Evidence.Kind.NOTE,
        title="Reflective practice",
        responses=[review.responses.first()],
        attested=True,
        note="Reflective practice ran 22 times this year.",
    )
    minutes = add_evidence(
        review,
        by=staff,
        kind=Evidence.Kind.FILE,
        title="Community meeting minutes",
        responses=[review.responses.first()],
        attested=True,
        upload=SimpleUploadedFile("minutes.txt", b"Community meeting, 14 October.\n"),
    )

    detail = fuzzing.checked_answer(
        api_schema, "GET", "/api/v1/evidence/{id}/", staff, path_parameters={"id": note.pk}
    )
    download = fuzzing.checked_answer(
        api_schema,
        "GET",
        "/api/v1/evidence/{id}/download/",
        staff,
        path_parameters={"id": minutes.pk},
    )

    assert (detail.status_code, detail.json()["url"]) == (200, "")
    assert download.status_code == 200
    assert download.headers["content-type"][0].startswith("text/plain")
    assert download.content == b"Community meeting, 14 October.\n"


def test_framework_export_is_within_the_schema(api_schema, direct, version, coordinator):
    answer = fuzzing.checked_answer(
        api_schema,
        "GET",
        "/api/v1/frameworks/{slug}/versions/{label}/export/",
        coordinator,
        path_parameters={"slug": version.framework.slug, "label": version.label},
    )

    assert answer.status_code == 200
    assert answer.text.startswith("# Framework file")
