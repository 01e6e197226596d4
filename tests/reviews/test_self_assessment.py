"""The self-assessment write path (reviews/self_assessment.py): stale saves are refused with the
current row, nothing changes after submission, "not applicable" needs a reason, carrying forward
copies words (never ratings) through the same standard or the crosswalk, and progress counts.

`framework_yaml` and `enrolled` build small frameworks and reviews; the page tests use them too.
"""

from datetime import date

import pytest

from reviews import self_assessment, workflow
from reviews.cycles import default_dates, enrol, open_cycle
from reviews.models import Action, ActionProgress, Perspective, Rating, Response
from standards.yaml_format import import_framework
from tests.reviews.conftest import as_published

# Builders ------------------------------------------------------------------------------------


def framework_yaml(
    label: str,
    codes: list[str],
    *,
    slug: str = "test-framework",
    domain: str = "TST",
    crosswalk_from: str | None = None,
    links: tuple[tuple[str, str], ...] = (),
) -> str:
    """A one-domain framework document with the given standard codes, and maybe a crosswalk."""
    lines = [
        "framework:",
        f"  slug: {slug}",
        "  name: Test Framework",
        f'  version: "{label}"',
        "  description: A framework for tests.",
        "domains:",
        f"  - code: {domain}",
        "    name: Being together",
        "    summary: How people are with each other.",
        "    standards:",
    ]
    for code in codes:
        lines += [
            f"      - code: {code}",
            f"        title: Standard {code}",
            f"        statement: What {code} asks of a service.",
            "        type: essential",
            f"        guidance: How to think about {code}.",
            '        evidence_prompts: ["Who notices when someone is missing?"]',
            "        ask: [staff, people_using_service]",
        ]
    if crosswalk_from:
        lines += ["crosswalk:", f"  from: {crosswalk_from}", "  standards:"]
        lines += [f"    - {{from: {a}, to: {b}, relation: equal}}" for a, b in links]
    return "\n".join(lines) + "\n"


def import_version(document: str):
    return import_framework(document, source="test.yaml").version


def enrolled(network, service, version, *, by, name: str, opens: date):
    """`service` enrolled against `version` in a new cycle of `network` called `name`."""
    cycle = open_cycle(
        network=network, name=name, versions=[version], **default_dates(network, opens)
    )
    return enrol(cycle, service, version, by=by)


def response_for(review, code: str) -> Response:
    return review.responses.select_related("review", "standard").get(standard__code=code)


def perspective_values(**overrides) -> dict:
    return {
        "voice": Perspective.Voice.STAFF,
        "text": "We talk about this in the team meeting.",
        "method": Perspective.Method.GROUP,
        "people_count": 6,
        "co_produced": False,
        **overrides,
    }


@pytest.fixture
def first_response(review):
    return review.responses.select_related("review", "standard").order_by("standard__order")[0]


@pytest.fixture
def submitted_review(answered_review, service_lead):
    return workflow.transition(answered_review, "submitted", by=service_lead)


# Saving a response ---------------------------------------------------------------------------


def test_save_response_stores_the_text_and_moves_the_version_on(first_response, staff):
    saved = self_assessment.save_response(
        first_response,
        by=staff,
        expected_version=1,
        rating=Rating.MET,
        narrative="  Named workers meet people weekly.  ",
    )

    assert saved.version == 2
    assert saved.rating == Rating.MET
    assert saved.narrative == "Named workers meet people weekly."
    assert saved.updated_by == staff


def test_save_response_from_a_stale_version_is_refused_with_the_current_text(
    first_response, staff, service_lead
):
    self_assessment.save_response(
        first_response, by=service_lead, expected_version=1, narrative="The lead's text."
    )

    with pytest.raises(self_assessment.StaleWrite) as refused:
        self_assessment.save_response(
            first_response, by=staff, expected_version=1, narrative="The staff member's text."
        )

    assert refused.value.current.narrative == "The lead's text."
    assert refused.value.current.version == 2
    assert refused.value.current.updated_by == service_lead
    assert Response.objects.get(pk=first_response.pk).narrative == "The lead's text."


def test_save_response_with_the_new_version_after_a_conflict_goes_ahead(
    first_response, staff, service_lead
):
    self_assessment.save_response(
        first_response, by=service_lead, expected_version=1, narrative="A"
    )

    merged = self_assessment.save_response(
        first_response, by=staff, expected_version=2, narrative="A, and B"
    )

    assert merged.narrative == "A, and B"
    assert merged.version == 3


def test_not_applicable_without_a_reason_is_refused_and_changes_nothing(first_response, staff):
    with pytest.raises(self_assessment.Invalid) as refused:
        self_assessment.save_response(
            first_response, by=staff, expected_version=1, rating=Rating.NOT_APPLICABLE
        )

    assert set(refused.value.errors) == {"not_applicable_reason"}
    stored = Response.objects.get(pk=first_response.pk)
    assert (stored.rating, stored.version) == ("", 1)


def test_not_applicable_with_a_reason_counts_as_answered(first_response, staff):
    saved = self_assessment.save_response(
        first_response,
        by=staff,
        expected_version=1,
        rating=Rating.NOT_APPLICABLE,
        not_applicable_reason="We have no residential beds.",
    )

    assert saved.is_answered


def test_a_rating_other_than_not_applicable_clears_the_reason(first_response, staff):
    self_assessment.save_response(
        first_response,
        by=staff,
        expected_version=1,
        rating=Rating.NOT_APPLICABLE,
        not_applicable_reason="No beds.",
    )

    saved = self_assessment.save_response(
        first_response, by=staff, expected_version=2, rating=Rating.PARTLY_MET
    )

    assert saved.not_applicable_reason == ""


def test_an_unknown_rating_is_refused(first_response, staff):
    with pytest.raises(self_assessment.Invalid) as refused:
        self_assessment.save_response(
            first_response, by=staff, expected_version=1, rating="excellent"
        )

    assert set(refused.value.errors) == {"rating"}


def test_saving_clears_the_carried_mark(first_response, staff):
    Response.objects.filter(pk=first_response.pk).update(carried=True, narrative="Old text")

    saved = self_assessment.save_response(
        first_response, by=staff, expected_version=1, narrative="Checked and updated."
    )

    assert saved.carried is False


def test_nothing_can_be_saved_after_submission(submitted_review, staff):
    response = submitted_review.responses.select_related("review").first()

    with pytest.raises(self_assessment.NotEditable):
        self_assessment.save_response(
            response, by=staff, expected_version=response.version, narrative="Too late"
        )

    assert Response.objects.get(pk=response.pk).narrative != "Too late"


def test_a_stale_save_after_submission_says_not_editable_rather_than_stale(submitted_review, staff):
    response = submitted_review.responses.select_related("review").first()
    response.review.status = "self_assessment"  # the page was loaded before submission

    with pytest.raises(self_assessment.NotEditable):
        self_assessment.save_response(response, by=staff, expected_version=1, narrative="x")


# Perspectives --------------------------------------------------------------------------------


def test_add_perspective_stores_voice_method_and_count(first_response, lived_experience):
    perspective = self_assessment.add_perspective(
        first_response,
        by=lived_experience,
        **perspective_values(voice=Perspective.Voice.PEOPLE_USING_SERVICE, co_produced=True),
    )

    assert perspective.voice == Perspective.Voice.PEOPLE_USING_SERVICE
    assert (perspective.people_count, perspective.co_produced) == (6, True)
    assert perspective.added_by == lived_experience


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"voice": "everyone"}, "voice"),
        ({"text": "   "}, "text"),
        ({"method": "rumour"}, "method"),
        ({"people_count": 0}, "people_count"),
    ],
)
def test_add_perspective_refuses_bad_input(first_response, staff, overrides, field):
    with pytest.raises(self_assessment.Invalid) as refused:
        self_assessment.add_perspective(first_response, by=staff, **perspective_values(**overrides))

    assert field in refused.value.errors
    assert not Perspective.objects.exists()


def test_update_perspective_from_a_stale_version_is_refused(first_response, staff, service_lead):
    perspective = self_assessment.add_perspective(first_response, by=staff, **perspective_values())
    self_assessment.update_perspective(
        perspective, by=service_lead, expected_version=1, text="The lead's wording."
    )

    with pytest.raises(self_assessment.StaleWrite) as refused:
        self_assessment.update_perspective(
            perspective, by=staff, expected_version=1, text="The staff wording."
        )

    assert refused.value.current.text == "The lead's wording."
    assert Perspective.objects.get(pk=perspective.pk).text == "The lead's wording."


def test_remove_perspective_from_a_stale_version_is_refused(first_response, staff, service_lead):
    perspective = self_assessment.add_perspective(first_response, by=staff, **perspective_values())
    self_assessment.update_perspective(
        perspective, by=service_lead, expected_version=1, text="Changed meanwhile."
    )

    with pytest.raises(self_assessment.StaleWrite):
        self_assessment.remove_perspective(perspective, by=staff, expected_version=1)

    assert Perspective.objects.filter(pk=perspective.pk).exists()


def test_remove_perspective_from_the_current_version_deletes_it(first_response, staff):
    perspective = self_assessment.add_perspective(first_response, by=staff, **perspective_values())

    self_assessment.remove_perspective(perspective, by=staff, expected_version=1)

    assert not Perspective.objects.filter(pk=perspective.pk).exists()


def test_perspectives_cannot_change_after_submission(submitted_review, staff):
    response = submitted_review.responses.select_related("review").first()

    with pytest.raises(self_assessment.NotEditable):
        self_assessment.add_perspective(response, by=staff, **perspective_values())

    assert not Perspective.objects.exists()


# Last cycle's actions ------------------------------------------------------------------------


@pytest.fixture
def two_cycles(network, service, version, coordinator):
    """The service's review of last cycle, and this cycle's review, which follows it."""
    earlier = enrolled(
        network, service, version, by=coordinator, name="2026", opens=date(2026, 1, 5)
    )
    later = enrolled(network, service, version, by=coordinator, name="2027", opens=date(2027, 1, 4))
    return earlier, later


def test_record_action_progress_notes_it_and_moves_the_action_on(two_cycles, staff):
    earlier, later = two_cycles
    action = Action.objects.create(review=as_published(earlier), title="Weekly community meeting")

    progress = self_assessment.record_action_progress(
        action, later, by=staff, note="Running since March.", status=Action.Status.DONE
    )

    assert (progress.review, progress.by, progress.note) == (later, staff, "Running since March.")
    action.refresh_from_db()
    assert action.status == Action.Status.DONE


def test_record_action_progress_needs_a_note_and_a_status(two_cycles, staff):
    earlier, later = two_cycles
    action = Action.objects.create(review=as_published(earlier), title="Weekly community meeting")

    with pytest.raises(self_assessment.Invalid) as refused:
        self_assessment.record_action_progress(action, later, by=staff, note=" ", status="nearly")

    assert set(refused.value.errors) == {"note", "status"}
    assert not ActionProgress.objects.exists()


def test_record_action_progress_refuses_an_action_of_another_review(two_cycles, staff):
    _, later = two_cycles
    action = Action.objects.create(review=later, title="Not from last cycle")

    with pytest.raises(self_assessment.Invalid):
        self_assessment.record_action_progress(
            action, later, by=staff, note="Done.", status=Action.Status.DONE
        )


# Carrying forward ----------------------------------------------------------------------------


def test_carry_forward_copies_words_and_perspectives_but_never_ratings(two_cycles, staff):
    earlier, later = two_cycles
    source = earlier.responses.select_related("review", "standard").order_by("standard__order")[0]
    self_assessment.save_response(
        source,
        by=staff,
        expected_version=1,
        rating=Rating.MET,
        narrative="Named workers meet weekly.",
        development_ideas="Cover during leave.",
    )
    self_assessment.add_perspective(source, by=staff, **perspective_values())

    result = self_assessment.carry_forward(later, by=staff)

    target = response_for(later, source.standard.code)
    assert (result.responses, result.perspectives) == (1, 1)
    assert target.narrative == "Named workers meet weekly."
    assert target.development_ideas == "Cover during leave."
    assert target.rating == ""
    assert target.carried is True
    copied = target.perspectives.get()
    assert (copied.text, copied.carried) == ("We talk about this in the team meeting.", True)
    later.refresh_from_db()
    assert later.carried_forward_at is not None


def test_carry_forward_never_overwrites_text_already_written(two_cycles, staff):
    earlier, later = two_cycles
    code = earlier.responses.order_by("standard__order")[0].standard.code
    source = response_for(earlier, code)
    self_assessment.save_response(source, by=staff, expected_version=1, narrative="Last year.")
    target = response_for(later, code)
    self_assessment.save_response(target, by=staff, expected_version=1, narrative="This year.")

    result = self_assessment.carry_forward(later, by=staff)

    assert result.responses == 0
    assert response_for(later, code).narrative == "This year."


def test_carry_forward_happens_once(two_cycles, staff):
    _, later = two_cycles
    self_assessment.carry_forward(later, by=staff)

    with pytest.raises(self_assessment.Invalid):
        self_assessment.carry_forward(later, by=staff)


def test_carry_forward_needs_an_earlier_review(review, staff):
    with pytest.raises(self_assessment.Invalid):
        self_assessment.carry_forward(review, by=staff)


def test_carry_forward_follows_the_crosswalk_into_a_new_version(
    network, service, coordinator, staff
):
    old = import_version(framework_yaml("2026.1", ["OLD-1", "OLD-2"]))
    new = import_version(
        framework_yaml(
            "2027.1",
            ["NEW-1", "NEW-2", "NEW-3"],
            crosswalk_from="test-framework@2026.1",
            links=(("OLD-1", "NEW-2"), ("OLD-2", "NEW-3")),
        )
    )
    earlier = enrolled(network, service, old, by=coordinator, name="2026", opens=date(2026, 1, 5))
    later = enrolled(network, service, new, by=coordinator, name="2027", opens=date(2027, 1, 4))
    self_assessment.save_response(
        response_for(earlier, "OLD-1"),
        by=staff,
        expected_version=1,
        rating=Rating.NOT_YET_MET,
        narrative="What OLD-1 said.",
    )

    self_assessment.carry_forward(later, by=staff)

    assert response_for(later, "NEW-2").narrative == "What OLD-1 said."
    assert response_for(later, "NEW-2").rating == ""
    assert response_for(later, "NEW-2").carried is True
    assert response_for(later, "NEW-1").narrative == ""
    assert response_for(later, "NEW-3").narrative == ""


def test_carry_forward_is_refused_after_submission(two_cycles, staff, service_lead):
    _, later = two_cycles
    for response in later.responses.select_related("review"):
        self_assessment.save_response(
            response, by=staff, expected_version=response.version, rating=Rating.MET
        )
    workflow.transition(later, "submitted", by=service_lead)

    with pytest.raises(self_assessment.NotEditable):
        self_assessment.carry_forward(later, by=staff)


# Progress ------------------------------------------------------------------------------------


def test_progress_counts_answered_standards_and_voices(review, staff, lived_experience):
    first, second, third = review.responses.select_related("review").order_by("standard__order")[:3]
    self_assessment.save_response(first, by=staff, expected_version=1, rating=Rating.MET)
    self_assessment.save_response(
        second,
        by=staff,
        expected_version=1,
        rating=Rating.NOT_APPLICABLE,
        not_applicable_reason="We have no beds.",
    )
    self_assessment.save_response(third, by=staff, expected_version=1, narrative="Only words.")
    self_assessment.add_perspective(first, by=staff, **perspective_values())
    self_assessment.add_perspective(first, by=staff, **perspective_values(text="Another"))
    self_assessment.add_perspective(
        second,
        by=lived_experience,
        **perspective_values(voice=Perspective.Voice.PEOPLE_USING_SERVICE),
    )

    progress = self_assessment.progress(review)

    assert progress.answered == 2
    assert progress.total == review.responses.count()
    assert progress.voices == {
        Perspective.Voice.STAFF: 1,
        Perspective.Voice.PEOPLE_USING_SERVICE: 1,
        Perspective.Voice.FAMILIES_CARERS: 0,
        Perspective.Voice.PARTNERS: 0,
    }


def test_saving_again_what_you_just_autosaved_is_not_a_conflict(first_response, staff):
    stale_version = first_response.version
    self_assessment.save_response(
        first_response, by=staff, expected_version=stale_version, rating="met", narrative="Same."
    )

    again = self_assessment.save_response(
        first_response, by=staff, expected_version=stale_version, rating="met", narrative="Same."
    )

    assert again.narrative == "Same."
    assert again.version == stale_version + 1


def test_someone_else_saving_the_same_words_from_a_stale_version_is_still_a_conflict(
    first_response, staff, service_lead
):
    stale_version = first_response.version
    self_assessment.save_response(
        first_response, by=staff, expected_version=stale_version, rating="met", narrative="Same."
    )

    with pytest.raises(self_assessment.StaleWrite):
        self_assessment.save_response(
            first_response,
            by=service_lead,
            expected_version=stale_version,
            rating="met",
            narrative="Same.",
        )
