"""The reviewing pages (reviews/views/reviewing.py) and the review page's way into the peer
review (reviews/views/review.py): who reads and who writes the team's reflections, what the
read view of the self-assessment shows beside each standard, saves with errors, stale saves and
saves the review's stage refuses, and query counts that grow neither with the standards nor
with the comments."""

import html
import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assurance import roles
from assurance.models import Membership
from reviews import self_assessment, workflow
from reviews.allocation import add_to_team, respond
from reviews.models import (
    Comment,
    Evidence,
    Perspective,
    Rating,
    Reflection,
    Review,
    Thread,
    Visit,
)
from reviews.peer_review.reflections import save_reflection
from tests.reviews.test_self_assessment import (
    enrolled,
    framework_yaml,
    import_version,
    perspective_values,
)

AGREES = Reflection.Agreement.AGREES
DIFFERS = Reflection.Agreement.DIFFERS


def page(response) -> str:
    return response.content.decode()


def text_of(response) -> str:
    """The page's visible words, tags removed, entities decoded and spaces squeezed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page(response))))


def overview_url(review) -> str:
    return reverse("reviews:reviewing", args=[review.pk])


def domain_url(review, code: str) -> str:
    return reverse("reviews:reviewing_domain", args=[review.pk, code])


def save_url(reflection) -> str:
    return reverse("reviews:reflection_save", args=[reflection.review_id, reflection.pk])


def first_reflection(review) -> Reflection:
    return review.reflections.select_related("standard__domain").order_by(
        "standard__domain__order", "standard__order"
    )[0]


def form_data(reflection, version=None, **values) -> dict:
    prefix = f"f{reflection.pk}"
    data = {f"{prefix}-version": str(version if version is not None else reflection.version)}
    data.update({f"{prefix}-{name}": value for name, value in values.items()})
    return data


def reflect(reflection, by, **values) -> Reflection:
    fields = {"rating": Rating.MET, "agreement": AGREES, "rationale": ""} | values
    return save_reflection(reflection, by=by, expected_version=reflection.version, **fields)


def record_visit(review, **fields) -> Visit:
    return Visit.objects.create(
        review=review, mode=Visit.Mode.IN_PERSON, starts_on=date(2027, 3, 2), **fields
    )


def thread_on(review, standard, visibility, by, title, *bodies) -> Thread:
    thread = Thread.objects.create(
        review=review, standard=standard, visibility=visibility, title=title, started_by=by
    )
    for body in bodies:
        Comment.objects.create(thread=thread, author=by, body=body)
    return thread


# Who may open them ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["lead_reviewer", "reviewer", "expert_reviewer", "coordinator"])
def test_the_team_and_coordinators_read_the_reviewing_pages(client, request, peer_review, who):
    client.force_login(request.getfixturevalue(who))
    code = first_reflection(peer_review).standard.domain.code

    overview = client.get(overview_url(peer_review))
    domain = client.get(domain_url(peer_review, code))

    assert overview.status_code == domain.status_code == 200
    assert "Reviewing the self-assessment" in text_of(overview)


@pytest.mark.parametrize("who", ["service_lead", "staff", "lived_experience"])
def test_the_host_service_is_refused_the_reviewing_pages(
    client, request, peer_review, reviewer, who
):
    reflection = first_reflection(peer_review)
    reflect(reflection, reviewer, agreement=DIFFERS, rationale="Words for the team only.")
    thread_on(
        peer_review, reflection.standard, Thread.Visibility.TEAM, reviewer, "Team talk", "Hush"
    )
    client.force_login(request.getfixturevalue(who))

    overview = client.get(overview_url(peer_review))
    domain = client.get(domain_url(peer_review, reflection.standard.domain.code))

    assert overview.status_code == domain.status_code == 403
    for response in (overview, domain):
        assert "Words for the team only." not in page(response)
        assert "Team talk" not in page(response)


@pytest.mark.parametrize("who", ["commissioner", "outsider"])
def test_the_reviewing_pages_do_not_exist_for_anyone_else(client, request, peer_review, who):
    client.force_login(request.getfixturevalue(who))

    assert client.get(overview_url(peer_review)).status_code == 404


def test_the_reviewing_pages_ask_anonymous_people_to_sign_in(client, peer_review):
    response = client.get(overview_url(peer_review))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_an_unknown_domain_is_not_found(client, peer_review, reviewer):
    client.force_login(reviewer)

    assert client.get(domain_url(peer_review, "NOPE")).status_code == 404


# The overview ---------------------------------------------------------------------------------


def test_overview_counts_reflections_recorded_and_threads_per_domain(client, peer_review, reviewer):
    first = first_reflection(peer_review)
    reflect(first, reviewer)
    second = peer_review.reflections.exclude(pk=first.pk).order_by("standard__order").first()
    # Not recorded yet: written in steps, the team's view is still to come.
    reflect(second, reviewer, rating="", agreement="", rationale="First thoughts.")
    thread_on(peer_review, first.standard, Thread.Visibility.TEAM, reviewer, "Handover")
    thread_on(peer_review, None, Thread.Visibility.SHARED, reviewer, "The whole review")
    client.force_login(reviewer)

    content = text_of(client.get(overview_url(peer_review)))

    assert "The team's view recorded 1 of 16 standards" in content
    domain = first.standard.domain
    assert f"{domain.name} 1 of 4 1" in content
    assert "1 thread is about the review as a whole" in content
    assert reverse("reviews:thread_list", args=[peer_review.pk]) in page(
        client.get(overview_url(peer_review))
    )


def test_overview_says_what_drafting_still_waits_for(client, peer_review, lead_reviewer):
    client.force_login(lead_reviewer)

    response = client.get(overview_url(peer_review))

    content = text_of(response)
    assert "Record the visit: how it happens and its dates." in content
    assert "the team's view is recorded on 16 more standards" in content
    assert reverse("reviews:visit", args=[peer_review.pk]) in page(response)


def test_overview_says_when_drafting_can_start_and_links_the_lead_to_the_move(
    client, peer_review, lead_reviewer, reviewer
):
    record_visit(peer_review, ends_on=date(2027, 3, 3))
    for reflection in peer_review.reflections.all():
        reflect(reflection, reviewer)
    move_link = reverse("reviews:review_detail", args=[peer_review.pk]) + "#move-start_drafting"

    client.force_login(lead_reviewer)
    lead = client.get(overview_url(peer_review))
    client.force_login(reviewer)
    peer = client.get(overview_url(peer_review))

    assert "Everything drafting the report needs is in place" in text_of(lead)
    assert "From 2 March 2027 to 3 March 2027 (In person)" in text_of(lead)
    assert move_link in page(lead)
    assert move_link not in page(peer)


def test_overview_once_drafting_has_started_says_so(client, peer_review, lead_reviewer):
    record_visit(peer_review)
    for reflection in peer_review.reflections.all():
        reflect(reflection, lead_reviewer)
    workflow.transition(peer_review, Review.Status.DRAFTING, by=lead_reviewer)
    client.force_login(lead_reviewer)

    content = text_of(client.get(overview_url(peer_review)))

    assert "The review has moved on to the stage “Drafting the report”." in content
    assert "The team's view recorded 16 of 16 standards" in content


# The domain page: the self-assessment, read ---------------------------------------------------


def test_domain_page_shows_each_standard_with_the_services_own_view(client, peer_review, reviewer):
    response_row = peer_review.responses.select_related("standard__domain").order_by(
        "standard__domain__order", "standard__order"
    )[0]
    # Written while the review was still in self-assessment would be the usual way; the read
    # view shows whatever is stored.
    response_row.development_ideas = "A buddy for every new resident."
    response_row.carried = True
    response_row.save()
    client.force_login(reviewer)

    content = text_of(client.get(domain_url(peer_review, response_row.standard.domain.code)))

    standard = response_row.standard
    assert standard.statement in content
    assert "The service’s view Partly met" in content
    assert "What we do We hold a community meeting each morning." in content
    assert "What we want to develop A buddy for every new resident." in content
    assert "Carried from last cycle" in content


def test_domain_page_shows_the_not_applicable_reason(client, peer_review, reviewer):
    response_row = peer_review.responses.select_related("standard__domain").first()
    response_row.rating = Rating.NOT_APPLICABLE
    response_row.not_applicable_reason = "We have no groups smaller than the community."
    response_row.save()
    client.force_login(reviewer)

    content = text_of(client.get(domain_url(peer_review, response_row.standard.domain.code)))

    assert "Why it does not apply We have no groups smaller than the community." in content


def test_domain_page_shows_perspectives_by_voice_but_never_who_added_them(
    client, review, lived_experience, staff, peer_review, reviewer
):
    response_row = peer_review.responses.select_related("review", "standard__domain").first()
    Perspective.objects.create(
        response=response_row,
        added_by=lived_experience,
        **perspective_values(
            voice="people_using_service",
            text="I knew who to go to on my first night.",
            method="one_to_one",
            people_count=3,
            co_produced=True,
        ),
    )
    Perspective.objects.create(
        response=response_row,
        added_by=staff,
        **perspective_values(text="Handovers include the person.", people_count=None),
    )
    client.force_login(reviewer)

    response = client.get(domain_url(peer_review, response_row.standard.domain.code))

    content = text_of(response)
    assert "People who use the service I knew who to go to on my first night." in content
    assert "One-to-one conversations, 3 people, co-produced" in content
    assert "Staff Handovers include the person. Group discussion" in content
    assert str(lived_experience) not in page(response)
    assert lived_experience.email not in page(response)
    assert str(staff) not in page(response)


def test_domain_page_lists_the_evidence_linked_to_each_standard(client, peer_review, reviewer):
    response_row = peer_review.responses.select_related("standard__domain").first()
    evidence = Evidence.objects.create(review=peer_review, kind="link", title="Welcome leaflet")
    evidence.responses.add(response_row)
    client.force_login(reviewer)

    response = client.get(domain_url(peer_review, response_row.standard.domain.code))

    detail = reverse("reviews:evidence_detail", args=[peer_review.pk, evidence.pk])
    assert f'href="{detail}">Welcome leaflet</a>' in page(response)
    assert "(link)" in text_of(response)


def test_domain_page_links_to_the_previous_and_next_domains(client, peer_review, reviewer):
    domains = list(peer_review.framework_version.domains.order_by("order"))
    client.force_login(reviewer)

    content = page(client.get(domain_url(peer_review, domains[1].code)))

    assert domain_url(peer_review, domains[0].code) in content
    assert domain_url(peer_review, domains[2].code) in content
    assert overview_url(peer_review) in content


# The domain page: threads beside each standard ------------------------------------------------


def test_domain_page_shows_the_threads_on_each_standard_with_their_comments(
    client, peer_review, reviewer, lead_reviewer, service_lead
):
    standard = first_reflection(peer_review).standard
    team = thread_on(
        peer_review, standard, Thread.Visibility.TEAM, reviewer, "What we each noticed", "First"
    )
    Comment.objects.create(
        thread=team, author=lead_reviewer, body="Second", edited_at=team.created_at
    )
    shared = thread_on(
        peer_review, standard, Thread.Visibility.SHARED, service_lead, "Ask us", "Please ask"
    )
    client.force_login(reviewer)

    response = client.get(domain_url(peer_review, standard.domain.code))

    content = page(response)
    words = text_of(response)
    for thread in (team, shared):
        detail = reverse(
            "reviews:thread_detail", kwargs={"pk": peer_review.pk, "thread_pk": thread.pk}
        )
        assert f'href="{detail}"' in content
    assert "Review team only" in words
    assert "Shared with the service" in words
    assert "app-visibility--team" in content
    assert "app-visibility--shared" in content
    assert words.index("First") < words.index("Second")
    assert f"{lead_reviewer} on" in words
    assert "(edited)" in words
    add = reverse("reviews:thread_add", args=[peer_review.pk]) + f"?standard={standard.code}"
    assert f'href="{add}"' in content


def test_domain_page_shows_threads_only_on_their_own_standard(client, peer_review, reviewer):
    reflections = list(peer_review.reflections.select_related("standard__domain"))
    here, elsewhere = reflections[0].standard, reflections[-1].standard
    assert here.domain_id != elsewhere.domain_id
    thread_on(peer_review, elsewhere, Thread.Visibility.TEAM, reviewer, "Somewhere else", "x")
    client.force_login(reviewer)

    content = text_of(client.get(domain_url(peer_review, here.domain.code)))

    assert "Somewhere else" not in content
    assert "No threads about this standard yet." in content


# The domain page: the team's reflection -------------------------------------------------------


def test_reviewers_get_the_reflection_form_with_its_version(client, peer_review, reviewer):
    reflection = first_reflection(peer_review)
    reflect(reflection, reviewer, rating=Rating.NOT_YET_MET, agreement=DIFFERS, rationale="Why")
    client.force_login(reviewer)

    content = page(client.get(domain_url(peer_review, reflection.standard.domain.code)))

    assert f'action="{save_url(reflection)}"' in content
    assert f'name="f{reflection.pk}-version" value="2"' in content
    assert 'value="not_yet_met" checked' in content
    assert 'value="differs" checked' in content
    assert "Last saved by" in content


def test_coordinators_read_the_reflection_without_a_form(
    client, peer_review, reviewer, coordinator
):
    reflection = first_reflection(peer_review)
    reflect(reflection, reviewer, rating=Rating.NOT_YET_MET, agreement=DIFFERS, rationale="Sparse.")
    client.force_login(coordinator)

    response = client.get(domain_url(peer_review, reflection.standard.domain.code))

    words = text_of(response)
    assert save_url(reflection) not in page(response)
    assert "The service’s view Partly met The team’s view Not yet met" in words
    assert "Compared with the service’s view Differs from the service's own view" in words
    assert "Why Sparse." in words


def test_saving_a_reflection_stores_it_and_returns_to_the_standard(client, peer_review, reviewer):
    reflection = first_reflection(peer_review)
    client.force_login(reviewer)

    response = client.post(
        save_url(reflection),
        form_data(reflection, rating="not_yet_met", agreement="differs", rationale="Rushed."),
    )

    assert response.status_code == 302
    assert response["Location"] == (
        domain_url(peer_review, reflection.standard.domain.code)
        + f"#standard-{reflection.standard.code}"
    )
    stored = Reflection.objects.get(pk=reflection.pk)
    assert (stored.rating, stored.agreement, stored.rationale, stored.updated_by) == (
        "not_yet_met",
        "differs",
        "Rushed.",
        reviewer,
    )
    followed = client.get(response["Location"])
    assert f"The team's reflection on {reflection.standard.code}" in text_of(followed)


def test_the_expert_reviewer_can_reflect(client, peer_review, expert_reviewer):
    reflection = first_reflection(peer_review)
    client.force_login(expert_reviewer)

    response = client.post(save_url(reflection), form_data(reflection, rating="met"))

    assert response.status_code == 302
    assert Reflection.objects.get(pk=reflection.pk).updated_by == expert_reviewer


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("coordinator", 403),
        ("service_lead", 403),
        ("staff", 403),
        ("lived_experience", 403),
        ("commissioner", 404),
        ("outsider", 404),
    ],
)
def test_only_reviewers_save_reflections(client, request, peer_review, who, status):
    reflection = first_reflection(peer_review)
    client.force_login(request.getfixturevalue(who))

    response = client.post(save_url(reflection), form_data(reflection, rating="met"))

    assert response.status_code == status
    assert Reflection.objects.get(pk=reflection.pk).version == 1


def test_a_reflection_of_another_review_is_not_found_through_this_one(
    client, small_and_large, reviewer
):
    small, large = small_and_large
    reflection = first_reflection(large)
    client.force_login(reviewer)
    url = reverse("reviews:reflection_save", args=[small.pk, reflection.pk])

    response = client.post(url, form_data(reflection, rating="met"))

    assert response.status_code == 404


def test_differs_without_a_reason_shows_the_error_linked_to_the_field(
    client, peer_review, reviewer
):
    reflection = first_reflection(peer_review)
    client.force_login(reviewer)

    response = client.post(
        save_url(reflection), form_data(reflection, rating="partly_met", agreement="differs")
    )

    content = page(response)
    assert response.status_code == 400
    assert "<title>Error:" in content
    assert "govuk-error-summary" in content
    assert f'href="#id_f{reflection.pk}-rationale"' in content
    assert "Say why the team&#x27;s view differs from the service&#x27;s own." in content
    assert 'value="partly_met" checked' in content
    assert Reflection.objects.get(pk=reflection.pk).version == 1


def test_a_stale_save_shows_both_texts_and_keeps_yours(
    client, peer_review, reviewer, lead_reviewer
):
    reflection = first_reflection(peer_review)
    reflect(reflection, lead_reviewer, rationale="The lead's words.")
    client.force_login(reviewer)

    response = client.post(
        save_url(reflection), form_data(reflection, version=1, rating="met", rationale="Mine.")
    )

    content = page(response)
    assert response.status_code == 409
    assert "Not saved: someone else changed this" in content
    assert f'href="#conflict-{reflection.standard.code}"' in content
    assert "The lead&#x27;s words." in content
    assert "Mine.</textarea>" in content
    assert f'name="f{reflection.pk}-version" value="2"' in content
    assert Reflection.objects.get(pk=reflection.pk).rationale == "The lead's words."


def test_saving_after_start_drafting_still_works(client, peer_review, lead_reviewer, reviewer):
    record_visit(peer_review)
    for each in peer_review.reflections.all():
        reflect(each, lead_reviewer)
    workflow.transition(peer_review, Review.Status.DRAFTING, by=lead_reviewer)
    reflection = first_reflection(peer_review)
    client.force_login(reviewer)

    response = client.post(
        save_url(reflection), form_data(reflection, version=2, rating="met", rationale="Later.")
    )

    assert response.status_code == 302
    assert Reflection.objects.get(pk=reflection.pk).rationale == "Later."


def test_saving_after_the_review_is_withdrawn_explains_and_keeps_the_text(
    client, peer_review, reviewer, coordinator
):
    workflow.transition(peer_review, Review.Status.WITHDRAWN, by=coordinator, note="Closed.")
    reflection = first_reflection(peer_review)
    client.force_login(reviewer)

    response = client.post(
        save_url(reflection), form_data(reflection, rating="met", rationale="My last words.")
    )

    content = page(response)
    assert response.status_code == 409
    assert "Your changes were not saved" in content
    assert "withdrawn" in content
    assert "My last words." in content
    assert f'href="#reflection-{reflection.standard.code}"' in content
    assert save_url(reflection) not in content
    assert Reflection.objects.get(pk=reflection.pk).version == 1


def test_before_the_peer_review_starts_the_team_reads_without_reflections(
    client, answered_review, service_lead, coordinator, reviewer
):
    workflow.transition(answered_review, Review.Status.SUBMITTED, by=service_lead)
    client.force_login(coordinator)
    code = answered_review.framework_version.domains.order_by("order").first().code

    overview = text_of(client.get(overview_url(answered_review)))
    domain = text_of(client.get(domain_url(answered_review, code)))

    assert "The team records its reflections once the peer review has started." in overview
    assert "The team records its reflections once the peer review has started." in domain


def test_each_reviewing_page_has_one_h1_its_own_title_and_no_inline_code(
    client, peer_review, reviewer
):
    client.force_login(reviewer)
    domains = list(peer_review.framework_version.domains.order_by("order"))
    urls = [overview_url(peer_review)] + [domain_url(peer_review, d.code) for d in domains]

    titles = []
    for url in urls:
        content = page(client.get(url))
        assert content.count("<h1") == 1, url
        assert "style=" not in content, url
        assert "<script>" not in content, url
        titles.append(content.split("<title>")[1].split("</title>")[0].strip())

    assert len(set(titles)) == len(titles)


# Queries grow neither with the standards nor with the comments --------------------------------


def in_peer_review(version, service, *, name, host_lead, coordinator, team) -> Review:
    """`service`'s review of `version` in a cycle of its own, taken through the workflow to the
    peer review with `team` ((user, role) pairs) accepted."""
    review = enrolled(
        service.network, service, version, by=coordinator, name=name, opens=date(2027, 1, 4)
    )
    for response in review.responses.select_related("review"):
        self_assessment.save_response(
            response, by=host_lead, expected_version=1, rating="met", narrative="Words"
        )
        self_assessment.add_perspective(response, by=host_lead, **perspective_values())
        evidence = Evidence.objects.create(review=review, kind="note", title="A note")
        evidence.responses.add(response)
    workflow.transition(review, Review.Status.SUBMITTED, by=host_lead)
    for user, role in team:
        assignment, check = add_to_team(review, user.reviewer_profile, role, by=coordinator)
        assert assignment is not None, check.refusals
        respond(assignment, by=user, accept=True)
    workflow.transition(review, Review.Status.PEER_REVIEW, by=coordinator)
    return review


@pytest.fixture
def small_and_large(
    service, other_service, service_lead, coordinator, lead_reviewer, reviewer, expert_reviewer
):
    """Two reviews in peer review with the same team: one of 1 standard and one of 40, each
    standard with a perspective, a piece of evidence, a reflection and a thread with a comment."""
    roles.join_service(service_lead, other_service, Membership.Role.SERVICE_LEAD)
    team = [(lead_reviewer, "lead"), (reviewer, "peer"), (expert_reviewer, "expert")]
    small = import_version(framework_yaml("1.0", ["S-1"], slug="small"))
    large = import_version(framework_yaml("1.0", [f"L-{n}" for n in range(1, 41)], slug="large"))
    reviews = []
    for name, version, host in (("One", small, service), ("Forty", large, other_service)):
        review = in_peer_review(
            version, host, name=name, host_lead=service_lead, coordinator=coordinator, team=team
        )
        for reflection in review.reflections.select_related("standard"):
            reflect(reflection, reviewer)
            thread_on(review, reflection.standard, Thread.Visibility.TEAM, reviewer, "On it", "Yes")
        reviews.append(review)
    return reviews


def measured(client, url) -> int:
    """How many queries one page takes, once caches are warm (content types, the session)."""
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_domain_page_queries_are_the_same_for_1_and_40_standards(
    client, small_and_large, reviewer, django_assert_num_queries
):
    small, large = small_and_large
    client.force_login(reviewer)

    one = measured(client, domain_url(small, "TST"))
    with django_assert_num_queries(one):
        forty = client.get(domain_url(large, "TST"))

    assert text_of(forty).count("Save the team’s reflection") == 40


def test_domain_page_queries_are_the_same_for_0_and_200_comments(
    client, peer_review, reviewer, lead_reviewer, django_assert_num_queries
):
    standard = first_reflection(peer_review).standard
    thread = thread_on(peer_review, standard, Thread.Visibility.TEAM, reviewer, "Long talk")
    url = domain_url(peer_review, standard.domain.code)
    client.force_login(reviewer)

    none = measured(client, url)
    Comment.objects.bulk_create(
        Comment(thread=thread, author=(reviewer, lead_reviewer)[n % 2], body=f"Comment {n}")
        for n in range(200)
    )
    with django_assert_num_queries(none):
        response = client.get(url)

    assert text_of(response).count("Comment ") == 200


def test_overview_queries_are_the_same_for_1_and_40_standards(
    client, small_and_large, reviewer, django_assert_num_queries
):
    small, large = small_and_large
    client.force_login(reviewer)

    one = measured(client, overview_url(small))
    with django_assert_num_queries(one):
        forty = client.get(overview_url(large))

    assert "40 of 40 standards" in text_of(forty)


# The review page's way into the peer review ---------------------------------------------------

PARTS = {
    "visit": "reviews:visit",
    "reviewing": "reviews:reviewing",
    "threads": "reviews:thread_list",
    "findings": "reviews:finding_list",
    "safeguarding": "reviews:safeguarding_list",
}


@pytest.mark.parametrize(
    ("who", "parts"),
    [
        ("lead_reviewer", {"visit", "reviewing", "threads", "findings", "safeguarding"}),
        ("reviewer", {"visit", "reviewing", "threads", "findings", "safeguarding"}),
        ("coordinator", {"visit", "reviewing", "threads", "findings", "safeguarding"}),
        ("service_lead", {"visit", "threads", "safeguarding"}),
        ("staff", {"visit", "threads"}),
        ("lived_experience", {"visit", "threads"}),
    ],
)
def test_review_page_lists_the_parts_of_the_peer_review_each_person_may_open(
    client, request, peer_review, who, parts
):
    client.force_login(request.getfixturevalue(who))

    content = page(client.get(reverse("reviews:review_detail", args=[peer_review.pk])))

    assert "Peer review" in content
    shown = {
        part
        for part, name in PARTS.items()
        if f'href="{reverse(name, args=[peer_review.pk])}"' in content
    }
    assert shown == parts


def test_review_page_has_no_peer_review_section_during_self_assessment(client, review, staff):
    client.force_login(staff)

    content = page(client.get(reverse("reviews:review_detail", args=[review.pk])))

    assert "peer-review-heading" not in content


def test_each_part_the_review_page_links_to_opens_for_that_person(client, request, peer_review):
    for who in ("lead_reviewer", "reviewer", "coordinator", "service_lead", "lived_experience"):
        client.force_login(request.getfixturevalue(who))
        content = page(client.get(reverse("reviews:review_detail", args=[peer_review.pk])))
        for name in PARTS.values():
            url = reverse(name, args=[peer_review.pk])
            if f'href="{url}"' in content:
                assert client.get(url).status_code == 200, (who, name)


def test_start_drafting_problems_link_to_the_reviewing_pages_and_the_visit(
    client, peer_review, lead_reviewer, reviewer
):
    reflections = list(
        peer_review.reflections.select_related("standard__domain").order_by("standard__order")
    )
    for reflection in reflections[1:]:
        reflect(reflection, reviewer)
    missing = reflections[0].standard
    client.force_login(lead_reviewer)

    response = client.post(
        reverse("reviews:review_transition", args=[peer_review.pk]),
        {"to": Review.Status.DRAFTING, "version": peer_review.version},
    )

    content = page(response)
    assert response.status_code == 409
    reviewing = domain_url(peer_review, missing.domain.code) + f"#standard-{missing.code}"
    assert f'href="{reviewing}"' in content
    assert reverse("reviews:domain", args=[peer_review.pk, missing.domain.code]) not in content
    assert f'href="{reverse("reviews:visit", args=[peer_review.pk])}"' in content
    assert "Record the visit" in content


def test_submit_problems_still_link_to_the_self_assessment(client, review, service_lead):
    client.force_login(service_lead)

    response = client.post(
        reverse("reviews:review_transition", args=[review.pk]),
        {"to": Review.Status.SUBMITTED, "version": review.version},
    )

    content = page(response)
    standard = review.framework_version.standards.select_related("domain").order_by("order")[0]
    assert reverse("reviews:domain", args=[review.pk, standard.domain.code]) in content
    assert reverse("reviews:reviewing_domain", args=[review.pk, standard.domain.code]) not in (
        content
    )
