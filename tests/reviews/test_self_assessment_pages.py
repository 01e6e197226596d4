"""The self-assessment pages (reviews/views/: self_assessment, perspectives, voice): who reads
and writes what, the save flow with and without JavaScript, stale saves that show both texts,
read-only after submission, perspectives, last cycle's actions, starting from last cycle, the
plain-language "your voice" page, and query counts that do not grow with the number of standards.
"""

import json
import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from assurance import roles
from assurance.models import Membership
from reviews import self_assessment, workflow
from reviews.cycles import default_dates, enrol, open_cycle
from reviews.models import Action, ActionProgress, Evidence, Perspective, Rating, Response
from tests.factories import UserFactory
from tests.reviews.conftest import as_published
from tests.reviews.test_self_assessment import (
    enrolled,
    framework_yaml,
    import_version,
    perspective_values,
)


def page(response) -> str:
    return response.content.decode()


def text_of(response) -> str:
    """The page's visible words, tags removed and spaces squeezed, for asserting on sentences."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page(response)))


def overview_url(review) -> str:
    return reverse("reviews:self_assessment", args=[review.pk])


def domain_url(review, code: str) -> str:
    return reverse("reviews:domain", args=[review.pk, code])


def save_url(response) -> str:
    return reverse("reviews:response_save", args=[response.review_id, response.pk])


def first_of(review) -> Response:
    return review.responses.select_related("review", "standard__domain").order_by(
        "standard__domain__order", "standard__order"
    )[0]


def form_data(response, version=None, **values) -> dict:
    """What the response form posts, with its prefix."""
    prefix = f"r{response.pk}"
    data = {f"{prefix}-version": str(version if version is not None else response.version)}
    data.update({f"{prefix}-{name}": value for name, value in values.items()})
    return data


def add_perspective(response, by, **overrides):
    return self_assessment.add_perspective(response, by=by, **perspective_values(**overrides))


@pytest.fixture
def submitted_review(answered_review, service_lead):
    return workflow.transition(answered_review, "submitted", by=service_lead)


@pytest.fixture
def other_member(other_service):
    """A member of another service in the network: like a peer reviewer before assignment."""
    person = UserFactory(email="elsewhere.staff@example.org")
    roles.join_service(person, other_service, Membership.Role.STAFF)
    return person


@pytest.fixture
def followed_review(network, service, version, coordinator):
    """This cycle's review of the service, following one from last cycle."""
    enrolled(network, service, version, by=coordinator, name="2026", opens=date(2026, 1, 5))
    return enrolled(network, service, version, by=coordinator, name="2027", opens=date(2027, 1, 4))


# Who sees what --------------------------------------------------------------------------------

READING_PAGES = ["overview", "domain", "previous_actions", "voice"]


def reading_url(name: str, review) -> str:
    if name == "overview":
        return overview_url(review)
    if name == "domain":
        return domain_url(review, first_of(review).standard.domain.code)
    return reverse(f"reviews:{name}", args=[review.pk])


@pytest.mark.parametrize("name", READING_PAGES)
@pytest.mark.parametrize("who", ["service_lead", "staff", "lived_experience", "coordinator"])
def test_reading_pages_open_to_the_team_and_coordinators(client, review, name, who, request):
    client.force_login(request.getfixturevalue(who))

    response = client.get(reading_url(name, review))

    assert response.status_code == 200
    assert page(response).count("<h1") == 1


@pytest.mark.parametrize("name", READING_PAGES)
@pytest.mark.parametrize("who", ["other_member", "commissioner", "outsider"])
def test_reading_pages_do_not_exist_for_anyone_else(client, review, name, who, request):
    client.force_login(request.getfixturevalue(who))

    response = client.get(reading_url(name, review))

    assert response.status_code == 404


def test_pages_ask_anonymous_people_to_sign_in(client, review):
    response = client.get(overview_url(review))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# The overview --------------------------------------------------------------------------------


def test_overview_shows_progress_voice_coverage_and_domains(client, review, staff):
    first = first_of(review)
    self_assessment.save_response(first, by=staff, expected_version=1, rating=Rating.MET)
    add_perspective(first, staff)
    total = review.responses.count()
    client.force_login(staff)

    response = client.get(overview_url(review))

    words = text_of(response)
    assert f"1 of {total} standards answered" in words
    assert f"Staff 1 of {total} standards" in words
    assert f"People who use the service 0 of {total} standards" in words
    for domain in review.framework_version.domains.all():
        assert domain_url(review, domain.code) in page(response)
        assert domain.name in words
    assert reverse("reviews:review_detail", args=[review.pk]) in page(response)
    assert reverse("reviews:voice", args=[review.pk]) in page(response)


def test_overview_counts_answered_standards_per_domain(client, review, staff):
    first = first_of(review)
    self_assessment.save_response(first, by=staff, expected_version=1, rating=Rating.MET)
    in_domain = review.responses.filter(standard__domain=first.standard.domain).count()
    client.force_login(staff)

    response = client.get(overview_url(review))

    assert f"1 of {in_domain}" in text_of(response)


def test_overview_offers_start_from_last_cycle_when_there_is_one(client, followed_review, staff):
    client.force_login(staff)

    response = client.get(overview_url(followed_review))

    assert reverse("reviews:carry_forward", args=[followed_review.pk]) in page(response)


def test_overview_does_not_offer_start_from_last_cycle_without_one(client, review, staff):
    client.force_login(staff)

    response = client.get(overview_url(review))

    assert reverse("reviews:carry_forward", args=[review.pk]) not in page(response)
    assert "Actions from your last review" not in page(response)


def test_overview_does_not_offer_start_from_last_cycle_twice(client, followed_review, staff):
    self_assessment.carry_forward(followed_review, by=staff)
    client.force_login(staff)

    response = client.get(overview_url(followed_review))

    assert reverse("reviews:carry_forward", args=[followed_review.pk]) not in page(response)
    assert "was started from last cycle" in text_of(response)


def test_overview_does_not_offer_start_from_last_cycle_to_readers(
    client, followed_review, lived_experience
):
    client.force_login(lived_experience)

    response = client.get(overview_url(followed_review))

    assert reverse("reviews:carry_forward", args=[followed_review.pk]) not in page(response)


def test_overview_counts_last_cycles_actions_waiting_for_an_update(client, followed_review, staff):
    Action.objects.create(
        review=as_published(followed_review.previous), title="Weekly community meeting"
    )
    Action.objects.create(
        review=as_published(followed_review.previous), title="Named workers for all"
    )
    client.force_login(staff)

    response = client.get(overview_url(followed_review))

    assert "2 actions agreed in your last review need an update" in text_of(response)
    assert reverse("reviews:previous_actions", args=[followed_review.pk]) in page(response)


# The domain page -----------------------------------------------------------------------------


def test_domain_page_shows_each_standard_with_what_it_asks(client, review, staff):
    first = first_of(review)
    standard = first.standard
    client.force_login(staff)

    response = client.get(domain_url(review, standard.domain.code))

    content = page(response)
    assert response.status_code == 200
    assert f'id="standard-{standard.code}"' in content
    assert standard.title in content
    assert standard.get_type_display() in content
    assert standard.evidence_prompts[0].replace("'", "&#x27;") in content
    assert "Who to ask" in content
    assert "Guidance" in content
    for other in review.framework_version.standards.filter(domain=first.standard.domain):
        assert f'id="standard-{other.code}"' in content


def test_domain_page_gives_editors_the_response_form_with_its_version(client, review, staff):
    first = first_of(review)
    client.force_login(staff)

    response = client.get(domain_url(review, first.standard.domain.code))

    content = page(response)
    assert f'action="{save_url(first)}"' in content
    assert f'name="r{first.pk}-version" value="1"' in content
    for value in ("met", "partly_met", "not_yet_met", "not_applicable"):
        assert f'name="r{first.pk}-rating" type="radio" value="{value}"' in content
    assert f'data-reveal="r{first.pk}-not-applicable"' in content
    assert "What we do" in content
    assert "What we want to develop" in content
    assert "js/autosave.js" in content


def test_domain_page_shows_the_not_applicable_reason_without_javascript(client, review, staff):
    first = first_of(review)
    client.force_login(staff)

    response = client.get(domain_url(review, first.standard.domain.code))

    # GOV.UK Frontend hides the conditional question only once its script has started.
    assert f'name="r{first.pk}-not_applicable_reason"' in page(response)
    assert "govuk-radios__conditional--hidden" in page(response)


def test_domain_page_gives_lived_experience_contributors_perspectives_but_not_responses(
    client, review, lived_experience
):
    first = first_of(review)
    client.force_login(lived_experience)

    response = client.get(domain_url(review, first.standard.domain.code))

    content = page(response)
    assert f'action="{save_url(first)}"' not in content
    assert reverse("reviews:perspective_add", args=[review.pk, first.pk]) in content
    assert "Not answered yet" in content


def test_domain_page_gives_coordinators_no_forms(client, review, coordinator):
    first = first_of(review)
    client.force_login(coordinator)

    response = client.get(domain_url(review, first.standard.domain.code))

    content = page(response)
    assert f'action="{save_url(first)}"' not in content
    assert reverse("reviews:perspective_add", args=[review.pk, first.pk]) not in content
    assert "js/autosave.js" not in content


def test_domain_page_shows_perspectives_by_voice_with_how_they_were_gathered(
    client, review, staff, lived_experience
):
    first = first_of(review)
    perspective = add_perspective(
        first,
        lived_experience,
        voice=Perspective.Voice.PEOPLE_USING_SERVICE,
        text="Staff keep their promises.",
        method=Perspective.Method.ONE_TO_ONE,
        people_count=4,
        co_produced=True,
    )
    client.force_login(staff)

    response = client.get(domain_url(review, first.standard.domain.code))

    words = text_of(response)
    assert "People who use the service Staff keep their promises." in words
    assert "One-to-one conversations, 4 people, co-produced" in words
    assert reverse("reviews:perspective_edit", args=[review.pk, perspective.pk]) in page(response)
    assert reverse("reviews:perspective_remove", args=[review.pk, perspective.pk]) in page(response)
    # Who added it is not shown: it would tell colleagues who has lived experience.
    assert str(lived_experience) not in words


def test_domain_page_marks_carried_text_to_check(client, followed_review, staff):
    source = first_of(followed_review.previous)
    self_assessment.save_response(source, by=staff, expected_version=1, narrative="Last year")
    self_assessment.carry_forward(followed_review, by=staff)
    client.force_login(staff)

    response = client.get(domain_url(followed_review, source.standard.domain.code))

    assert "Carried from last cycle, please check" in page(response)


def test_domain_page_lists_linked_evidence(client, review, staff):
    first = first_of(review)
    evidence = Evidence.objects.create(
        review=review, kind=Evidence.Kind.NOTE, title="Community meeting minutes", note="..."
    )
    evidence.responses.add(first)
    client.force_login(staff)

    response = client.get(domain_url(review, first.standard.domain.code))

    assert "Community meeting minutes" in page(response)
    # The evidence pages come from another screen; link to them once they exist.
    try:
        detail = reverse("reviews:evidence_detail", args=[review.pk, evidence.pk])
    except NoReverseMatch:
        detail = None
    if detail:
        assert f'href="{detail}"' in page(response)


def test_domain_page_links_to_the_next_and_previous_domains(client, review, staff):
    domains = list(review.framework_version.domains.order_by("order"))
    client.force_login(staff)

    response = client.get(domain_url(review, domains[1].code))

    assert domain_url(review, domains[0].code) in page(response)
    assert domain_url(review, domains[2].code) in page(response)


def test_domain_page_for_an_unknown_domain_is_not_found(client, review, staff):
    client.force_login(staff)

    response = client.get(domain_url(review, "NOPE"))

    assert response.status_code == 404


# Saving a response without JavaScript ----------------------------------------------------------


def test_saving_a_response_stores_it_and_returns_to_the_standard(client, review, staff):
    first = first_of(review)
    client.force_login(staff)

    response = client.post(
        save_url(first),
        form_data(first, rating="partly_met", narrative="We meet weekly.", development_ideas=""),
    )

    assert response.status_code == 302
    assert response["Location"] == (
        domain_url(review, first.standard.domain.code) + f"#standard-{first.standard.code}"
    )
    first.refresh_from_db()
    assert (first.rating, first.narrative, first.version) == ("partly_met", "We meet weekly.", 2)
    assert first.updated_by == staff


def test_saving_a_response_is_forbidden_to_lived_experience_contributors(
    client, review, lived_experience
):
    first = first_of(review)
    client.force_login(lived_experience)

    response = client.post(save_url(first), form_data(first, narrative="Mine"))

    assert response.status_code == 403
    first.refresh_from_db()
    assert first.narrative == ""


def test_saving_a_response_is_forbidden_to_coordinators(client, review, coordinator):
    first = first_of(review)
    client.force_login(coordinator)

    response = client.post(save_url(first), form_data(first, narrative="Mine"))

    assert response.status_code == 403


def test_saving_a_response_of_another_review_through_this_one_is_not_found(
    client, review, staff, other_service, version, coordinator
):
    elsewhere = enrol(review.cycle, other_service, version, by=coordinator)
    theirs = first_of(elsewhere)
    client.force_login(staff)

    response = client.post(
        reverse("reviews:response_save", args=[review.pk, theirs.pk]),
        {f"r{theirs.pk}-version": "1", f"r{theirs.pk}-narrative": "Not ours"},
    )

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.narrative == ""


def test_not_applicable_without_a_reason_shows_an_error_linked_to_the_field(client, review, staff):
    first = first_of(review)
    client.force_login(staff)

    response = client.post(save_url(first), form_data(first, rating="not_applicable"))

    content = page(response)
    assert response.status_code == 400
    assert "govuk-error-summary" in content
    assert f'href="#id_r{first.pk}-not_applicable_reason"' in content
    assert "Say why this standard does not apply to you." in content
    assert f'id="id_r{first.pk}-not_applicable_reason"' in content
    assert "<title>Error:" in content
    first.refresh_from_db()
    assert (first.rating, first.version) == ("", 1)


def test_the_form_after_an_error_keeps_what_was_typed(client, review, staff):
    first = first_of(review)
    client.force_login(staff)

    response = client.post(
        save_url(first), form_data(first, rating="not_applicable", narrative="Typed with care")
    )

    assert "Typed with care" in page(response)
    assert 'value="not_applicable" checked' in page(response)


def test_a_stale_save_shows_both_texts_and_keeps_yours(client, review, staff, service_lead):
    first = first_of(review)
    self_assessment.save_response(
        first, by=service_lead, expected_version=1, narrative="The lead's version."
    )
    client.force_login(staff)

    response = client.post(
        save_url(first), form_data(first, version=1, narrative="The staff member's version.")
    )

    content = page(response)
    words = text_of(response)
    assert response.status_code == 409
    assert "Not saved: someone else changed this" in words
    assert f"Saved by {service_lead}" in words
    assert "The lead's version." in content.replace("&#x27;", "'")
    assert "The staff member's version." in content.replace("&#x27;", "'")
    # The form now carries the current version, so saving the merged text goes ahead.
    assert f'name="r{first.pk}-version" value="2"' in content
    first.refresh_from_db()
    assert first.narrative == "The lead's version."


def test_saving_again_after_merging_goes_ahead(client, review, staff, service_lead):
    first = first_of(review)
    self_assessment.save_response(first, by=service_lead, expected_version=1, narrative="Lead.")
    client.force_login(staff)
    client.post(save_url(first), form_data(first, version=1, narrative="Staff."))

    response = client.post(save_url(first), form_data(first, version=2, narrative="Lead. Staff."))

    assert response.status_code == 302
    first.refresh_from_db()
    assert (first.narrative, first.version) == ("Lead. Staff.", 3)


def test_coming_back_to_the_save_address_after_signing_in_returns_to_the_standard(
    client, review, staff
):
    first = first_of(review)
    client.force_login(staff)

    response = client.get(save_url(first))

    assert response.status_code == 302
    assert response["Location"].endswith(f"#standard-{first.standard.code}")


# Autosave (JSON) -----------------------------------------------------------------------------


def autosave(client, response, data):
    return client.post(save_url(response), data, HTTP_ACCEPT="application/json")


def test_autosave_answers_with_the_new_version_and_time(client, review, staff):
    first = first_of(review)
    client.force_login(staff)

    response = autosave(client, first, form_data(first, narrative="Typing…"))

    body = json.loads(response.content)
    assert response.status_code == 200
    assert body["version"] == 2
    assert body["saved_at"]
    assert re.fullmatch(r"\d\d:\d\d", body["saved_at_display"])
    first.refresh_from_db()
    assert first.narrative == "Typing…"


def test_autosave_from_a_stale_version_answers_409_with_the_current_text(
    client, review, staff, service_lead
):
    first = first_of(review)
    self_assessment.save_response(
        first, by=service_lead, expected_version=1, rating="met", narrative="Saved first."
    )
    client.force_login(staff)

    response = autosave(client, first, form_data(first, version=1, narrative="Mine"))

    body = json.loads(response.content)
    assert response.status_code == 409
    assert body["error"] == "stale"
    assert body["current"]["version"] == 2
    assert body["current"]["narrative"] == "Saved first."
    assert body["current"]["rating"] == "met"
    assert body["current"]["updated_by"] == str(service_lead)


def test_autosave_of_an_invalid_answer_answers_400_with_the_errors(client, review, staff):
    first = first_of(review)
    client.force_login(staff)

    response = autosave(client, first, form_data(first, rating="not_applicable"))

    body = json.loads(response.content)
    assert response.status_code == 400
    assert body["errors"] == {
        "not_applicable_reason": ["Say why this standard does not apply to you."]
    }


def test_autosave_after_submission_answers_409_not_editable(client, submitted_review, staff):
    first = first_of(submitted_review)
    client.force_login(staff)

    response = autosave(client, first, form_data(first, narrative="Too late"))

    assert response.status_code == 409
    assert json.loads(response.content)["error"] == "not_editable"


def test_autosave_when_signed_out_is_sent_to_sign_in(client, review):
    first = first_of(review)

    response = autosave(client, first, form_data(first, narrative="Kept locally"))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# Read only after submission ------------------------------------------------------------------


def test_pages_are_read_only_after_submission(client, submitted_review, staff):
    first = first_of(submitted_review)
    client.force_login(staff)

    overview = client.get(overview_url(submitted_review))
    domain = client.get(domain_url(submitted_review, first.standard.domain.code))

    for response in (overview, domain):
        assert "the self-assessment can no longer be changed" in text_of(response)
        assert "Submitted on " in text_of(response)
    assert f'action="{save_url(first)}"' not in page(domain)
    assert reverse("reviews:perspective_add", args=[submitted_review.pk, first.pk]) not in page(
        domain
    )
    assert "Partly met" in page(domain)


def test_saving_after_submission_explains_and_keeps_the_text(client, submitted_review, staff):
    first = first_of(submitted_review)
    client.force_login(staff)

    response = client.post(save_url(first), form_data(first, narrative="Written too late"))

    assert response.status_code == 409
    assert "can no longer be changed" in text_of(response)
    assert "Written too late" in page(response)
    first.refresh_from_db()
    assert first.narrative != "Written too late"


def test_adding_a_perspective_after_submission_explains(client, submitted_review, staff):
    first = first_of(submitted_review)
    client.force_login(staff)

    response = client.post(
        reverse("reviews:perspective_add", args=[submitted_review.pk, first.pk]),
        {
            f"p{first.pk}-voice": "staff",
            f"p{first.pk}-text": "Late",
            f"p{first.pk}-method": "group",
        },
    )

    assert response.status_code == 409
    assert "can no longer be changed" in text_of(response)
    assert not Perspective.objects.exists()


def test_an_incomplete_form_after_submission_gets_the_explanation_not_field_errors(
    client, submitted_review, staff
):
    first = first_of(submitted_review)
    client.force_login(staff)

    response = client.post(save_url(first), form_data(first, rating="not_applicable"))

    assert response.status_code == 409
    assert "can no longer be changed" in text_of(response)
    assert "Say why this standard does not apply to you." not in page(response)


def test_the_voice_page_after_submission_explains_and_keeps_the_words(
    client, submitted_review, lived_experience
):
    first = first_of(submitted_review)
    client.force_login(lived_experience)

    response = client.post(
        voice_url(submitted_review, first.standard.code),
        {"standard": first.standard.code, "text": "Words kept for me.", "method": "written"},
    )

    assert response.status_code == 409
    assert "can no longer be changed" in text_of(response)
    assert "Words kept for me." in page(response)
    assert not Perspective.objects.exists()


# Perspectives --------------------------------------------------------------------------------


def perspective_post(response, **overrides) -> dict:
    prefix = f"p{response.pk}"
    values = {"voice": "staff", "text": "We talked in the team.", "method": "group"}
    values.update(overrides)
    return {f"{prefix}-{name}": value for name, value in values.items()}


def test_lived_experience_contributors_add_perspectives(client, review, lived_experience):
    first = first_of(review)
    client.force_login(lived_experience)

    response = client.post(
        reverse("reviews:perspective_add", args=[review.pk, first.pk]),
        perspective_post(first, voice="people_using_service", people_count="5", co_produced="on"),
    )

    assert response.status_code == 302
    assert response["Location"].endswith(f"#standard-{first.standard.code}")
    perspective = first.perspectives.get()
    assert (perspective.voice, perspective.people_count, perspective.co_produced) == (
        "people_using_service",
        5,
        True,
    )
    assert perspective.added_by == lived_experience


def test_adding_a_perspective_without_text_shows_the_error(client, review, staff):
    first = first_of(review)
    client.force_login(staff)

    response = client.post(
        reverse("reviews:perspective_add", args=[review.pk, first.pk]),
        perspective_post(first, text=""),
    )

    assert response.status_code == 400
    assert f'href="#id_p{first.pk}-text"' in page(response)
    assert "Write what people said." in page(response)
    assert not Perspective.objects.exists()


def test_coordinators_cannot_add_perspectives(client, review, coordinator):
    first = first_of(review)
    client.force_login(coordinator)

    response = client.post(
        reverse("reviews:perspective_add", args=[review.pk, first.pk]), perspective_post(first)
    )

    assert response.status_code == 403


def test_editing_a_perspective_saves_it(client, review, staff):
    perspective = add_perspective(first_of(review), staff)
    client.force_login(staff)
    url = reverse("reviews:perspective_edit", args=[review.pk, perspective.pk])

    form = client.get(url)
    response = client.post(
        url,
        {
            "voice": "staff",
            "text": "Reworded.",
            "method": "survey",
            "people_count": "",
            "version": "1",
        },
    )

    assert 'name="version" value="1"' in page(form)
    assert response.status_code == 302
    perspective.refresh_from_db()
    assert (perspective.text, perspective.method, perspective.version) == ("Reworded.", "survey", 2)


def test_editing_a_stale_perspective_shows_both_texts(client, review, staff, service_lead):
    perspective = add_perspective(first_of(review), staff)
    self_assessment.update_perspective(
        perspective, by=service_lead, expected_version=1, text="Changed by the lead."
    )
    client.force_login(staff)

    response = client.post(
        reverse("reviews:perspective_edit", args=[review.pk, perspective.pk]),
        {"voice": "staff", "text": "Changed by staff.", "method": "group", "version": "1"},
    )

    content = page(response)
    assert response.status_code == 409
    assert "Changed by the lead." in content
    assert "Changed by staff." in content
    assert 'name="version" value="2"' in content
    perspective.refresh_from_db()
    assert perspective.text == "Changed by the lead."


def test_removing_a_perspective_asks_first_then_removes_it(client, review, staff):
    perspective = add_perspective(first_of(review), staff, text="To be removed.")
    client.force_login(staff)
    url = reverse("reviews:perspective_remove", args=[review.pk, perspective.pk])

    confirm = client.get(url)
    response = client.post(url, {"version": "1"})

    assert "Remove this perspective?" in page(confirm)
    assert "To be removed." in page(confirm)
    assert response.status_code == 302
    assert not Perspective.objects.filter(pk=perspective.pk).exists()


def test_removing_a_perspective_changed_meanwhile_shows_it_again(
    client, review, staff, service_lead
):
    perspective = add_perspective(first_of(review), staff)
    self_assessment.update_perspective(
        perspective, by=service_lead, expected_version=1, text="Now says this."
    )
    client.force_login(staff)

    response = client.post(
        reverse("reviews:perspective_remove", args=[review.pk, perspective.pk]), {"version": "1"}
    )

    assert response.status_code == 409
    assert "Now says this." in page(response)
    assert 'name="version" value="2"' in page(response)
    assert Perspective.objects.filter(pk=perspective.pk).exists()


def test_a_perspective_of_another_review_is_not_found_through_this_one(
    client, review, staff, other_service, version, coordinator, other_member
):
    elsewhere = enrol(review.cycle, other_service, version, by=coordinator)
    theirs = add_perspective(first_of(elsewhere), other_member)
    client.force_login(staff)

    edit = client.get(reverse("reviews:perspective_edit", args=[review.pk, theirs.pk]))
    remove = client.post(
        reverse("reviews:perspective_remove", args=[review.pk, theirs.pk]), {"version": "1"}
    )

    assert (edit.status_code, remove.status_code) == (404, 404)
    assert Perspective.objects.filter(pk=theirs.pk).exists()


# Last cycle's actions ------------------------------------------------------------------------


@pytest.fixture
def open_action(followed_review):
    return Action.objects.create(
        review=as_published(followed_review.previous),
        title="Weekly community meeting",
        detail="Start a meeting that residents chair.",
        due_on=date(2026, 9, 30),
    )


def actions_url(review) -> str:
    return reverse("reviews:previous_actions", args=[review.pk])


def test_last_cycles_open_actions_are_listed_with_their_history(
    client, followed_review, open_action, service_lead
):
    ActionProgress.objects.create(
        action=open_action,
        review=followed_review.previous,
        note="Planned with residents.",
        status=Action.Status.IN_PROGRESS,
        by=service_lead,
    )
    Action.objects.create(
        review=as_published(followed_review.previous), title="Done already", status="done"
    )
    client.force_login(service_lead)

    response = client.get(actions_url(followed_review))

    content = page(response)
    assert f'id="action-{open_action.pk}"' in content
    assert "Weekly community meeting" in content
    assert "Start a meeting that residents chair." in content
    assert "30 September 2026" in content
    assert "Planned with residents." in content
    assert "Needs an update" in content
    assert "Done already" not in content


def test_recording_progress_on_an_action_returns_to_it(client, followed_review, open_action, staff):
    client.force_login(staff)
    prefix = f"a{open_action.pk}"

    response = client.post(
        actions_url(followed_review),
        {
            "action": open_action.pk,
            f"{prefix}-note": "Meets every Monday.",
            f"{prefix}-status": "done",
        },
    )

    assert response.status_code == 302
    assert response["Location"].endswith(f"#action-{open_action.pk}")
    progress = ActionProgress.objects.get(action=open_action)
    assert (progress.review, progress.note, progress.by) == (
        followed_review,
        "Meets every Monday.",
        staff,
    )
    open_action.refresh_from_db()
    assert open_action.status == "done"
    assert "Updated in this review" in page(client.get(actions_url(followed_review)))


def test_recording_progress_without_a_note_shows_the_error(
    client, followed_review, open_action, staff
):
    client.force_login(staff)
    prefix = f"a{open_action.pk}"

    response = client.post(
        actions_url(followed_review),
        {"action": open_action.pk, f"{prefix}-note": "", f"{prefix}-status": "done"},
    )

    assert response.status_code == 400
    assert f'href="#id_{prefix}-note"' in page(response)
    assert not ActionProgress.objects.exists()


def test_lived_experience_contributors_read_actions_but_cannot_record_progress(
    client, followed_review, open_action, lived_experience
):
    client.force_login(lived_experience)
    prefix = f"a{open_action.pk}"

    page_response = client.get(actions_url(followed_review))
    response = client.post(
        actions_url(followed_review),
        {"action": open_action.pk, f"{prefix}-note": "Good", f"{prefix}-status": "done"},
    )

    assert "Weekly community meeting" in page(page_response)
    assert f'name="{prefix}-note"' not in page(page_response)
    assert response.status_code == 403


def test_progress_on_an_action_of_another_review_is_not_found(client, followed_review, staff):
    stranger = Action.objects.create(review=followed_review, title="This cycle's own")
    client.force_login(staff)
    prefix = f"a{stranger.pk}"

    response = client.post(
        actions_url(followed_review),
        {"action": stranger.pk, f"{prefix}-note": "x", f"{prefix}-status": "done"},
    )

    assert response.status_code == 404


# Starting from last cycle --------------------------------------------------------------------


def test_start_from_last_cycle_explains_what_is_copied_before_doing_it(
    client, followed_review, staff
):
    client.force_login(staff)

    response = client.get(reverse("reviews:carry_forward", args=[followed_review.pk]))

    words = text_of(response)
    assert response.status_code == 200
    assert "never copied" in words
    assert "Nothing you have already written in this self-assessment is replaced" in words
    assert "carried from last cycle, please check" in words
    followed_review.refresh_from_db()
    assert followed_review.carried_forward_at is None


def test_start_from_last_cycle_copies_words_and_returns_to_the_overview(
    client, followed_review, staff
):
    source = first_of(followed_review.previous)
    self_assessment.save_response(
        source, by=staff, expected_version=1, rating="met", narrative="Last year we met weekly."
    )
    client.force_login(staff)

    response = client.post(reverse("reviews:carry_forward", args=[followed_review.pk]))

    assert response.status_code == 302
    assert response["Location"] == overview_url(followed_review)
    target = followed_review.responses.get(standard=source.standard)
    assert (target.narrative, target.rating, target.carried) == (
        "Last year we met weekly.",
        "",
        True,
    )
    assert "Started from last cycle" in page(client.get(response["Location"]))


def test_start_from_last_cycle_twice_explains_and_copies_nothing(client, followed_review, staff):
    self_assessment.carry_forward(followed_review, by=staff)
    client.force_login(staff)

    response = client.post(reverse("reviews:carry_forward", args=[followed_review.pk]))

    assert response.status_code == 409
    assert "already been started from last cycle" in page(response)


def test_start_from_last_cycle_is_forbidden_to_lived_experience_contributors(
    client, followed_review, lived_experience
):
    client.force_login(lived_experience)

    response = client.post(reverse("reviews:carry_forward", args=[followed_review.pk]))

    assert response.status_code == 403
    followed_review.refresh_from_db()
    assert followed_review.carried_forward_at is None


# Your voice ----------------------------------------------------------------------------------


def voice_url(review, code: str = "") -> str:
    url = reverse("reviews:voice", args=[review.pk])
    return f"{url}?standard={code}" if code else url


def test_voice_page_lists_every_standard_in_plain_words(client, review, lived_experience):
    client.force_login(lived_experience)

    response = client.get(voice_url(review))

    content = page(response)
    assert "Your voice" in content
    assert "What is it like here for you?" not in content  # one question at a time
    for standard in review.framework_version.standards.all():
        assert standard.title in content.replace("&#x27;", "'")
        assert f"?standard={standard.code}" in content
    for jargon in ("perspective", "domain", "rating", "narrative"):
        assert jargon not in text_of(response).lower()


def test_voice_page_asks_about_one_standard(client, review, lived_experience):
    first = first_of(review)
    client.force_login(lived_experience)

    response = client.get(voice_url(review, first.standard.code))

    words = text_of(response)
    assert first.standard.title in words
    assert first.standard.statement in words
    assert "What is it like here for you?" in words
    assert f"Question 1 of {review.responses.count()}" in words
    assert 'name="voice"' not in page(response)  # the voice is fixed


def test_voice_page_adds_words_in_the_voice_of_people_who_use_the_service(
    client, review, lived_experience
):
    first = first_of(review)
    client.force_login(lived_experience)

    response = client.post(
        voice_url(review, first.standard.code),
        {
            "standard": first.standard.code,
            "text": "My key worker always turns up.",
            "method": "written",
        },
    )

    assert response.status_code == 302
    assert f"standard={first.standard.code}" in response["Location"]
    perspective = first.perspectives.get()
    assert perspective.voice == Perspective.Voice.PEOPLE_USING_SERVICE
    assert (perspective.text, perspective.method) == ("My key worker always turns up.", "written")
    assert (perspective.people_count, perspective.co_produced) == (1, True)
    after = client.get(response["Location"])
    assert "My key worker always turns up." in page(after)
    assert "Thank you" in page(after)


def test_voice_page_without_words_says_what_to_do(client, review, lived_experience):
    first = first_of(review)
    client.force_login(lived_experience)

    response = client.post(
        voice_url(review, first.standard.code),
        {"standard": first.standard.code, "text": "", "method": "written"},
    )

    assert response.status_code == 400
    assert "Write what it is like for you." in page(response)
    assert 'href="#id_text"' in page(response)


def test_voice_page_is_read_only_for_coordinators(client, review, coordinator):
    first = first_of(review)
    client.force_login(coordinator)

    read = client.get(voice_url(review, first.standard.code))
    write = client.post(
        voice_url(review, first.standard.code),
        {"standard": first.standard.code, "text": "Hello", "method": "written"},
    )

    assert read.status_code == 200
    assert 'name="text"' not in page(read)
    assert write.status_code == 403


def test_voice_page_for_an_unknown_standard_is_not_found(client, review, lived_experience):
    client.force_login(lived_experience)

    response = client.get(voice_url(review, "NOPE-1"))

    assert response.status_code == 404


# Queries do not grow with the number of standards ----------------------------------------------


@pytest.fixture
def small_and_large(network, service, other_service, staff, coordinator):
    """Two reviews the same person edits: one with 1 standard, one with 40, each standard with
    a perspective and a piece of evidence."""
    roles.join_service(staff, other_service, Membership.Role.STAFF)
    small = import_version(framework_yaml("1.0", ["S-1"], slug="small"))
    large = import_version(framework_yaml("1.0", [f"L-{n}" for n in range(1, 41)], slug="large"))
    cycle = open_cycle(
        network=network,
        name="Sizes",
        versions=[small, large],
        **default_dates(network, date(2027, 1, 4)),
    )
    reviews = (
        enrol(cycle, service, small, by=coordinator),
        enrol(cycle, other_service, large, by=coordinator),
    )
    for review in reviews:
        for response in review.responses.select_related("review"):
            self_assessment.save_response(
                response, by=staff, expected_version=1, rating="met", narrative="Words"
            )
            add_perspective(response, staff)
            evidence = Evidence.objects.create(review=review, kind="note", title="A note")
            evidence.responses.add(response)
    return reviews


def count_queries(client, url) -> int:
    client.get(url)  # warm up caches (content types, session)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_domain_page_queries_do_not_grow_with_standards(client, small_and_large, staff):
    small, large = small_and_large
    client.force_login(staff)

    one = count_queries(client, domain_url(small, "TST"))
    forty = count_queries(client, domain_url(large, "TST"))

    assert one == forty


def test_overview_queries_do_not_grow_with_standards(client, small_and_large, staff):
    small, large = small_and_large
    client.force_login(staff)

    one = count_queries(client, overview_url(small))
    forty = count_queries(client, overview_url(large))

    assert one == forty


def test_voice_list_queries_do_not_grow_with_standards(client, small_and_large, staff):
    small, large = small_and_large
    client.force_login(staff)

    one = count_queries(client, voice_url(small))
    forty = count_queries(client, voice_url(large))

    assert one == forty


def test_lived_experience_contributor_changes_only_their_own_perspectives(
    client, review, staff, lived_experience
):
    from django.urls import reverse

    from reviews import self_assessment

    response = review.responses.first()
    theirs = self_assessment.add_perspective(
        response, by=lived_experience, voice="people_using_service", text="Ours.", method="group"
    )
    staff_view = self_assessment.add_perspective(
        response, by=staff, voice="staff", text="Staff view.", method="survey"
    )
    client.force_login(lived_experience)

    own = client.get(reverse("reviews:perspective_edit", args=[review.pk, theirs.pk]))
    other = client.post(
        reverse("reviews:perspective_remove", args=[review.pk, staff_view.pk]),
        {"version": staff_view.version},
    )

    assert own.status_code == 200
    assert other.status_code == 403
    assert staff_view.__class__.objects.filter(pk=staff_view.pk).exists()
