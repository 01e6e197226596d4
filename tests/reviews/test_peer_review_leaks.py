"""Nothing said on the team's side of a peer review reaches the host, a commissioner or anyone
else, by any path.

A peer review is played through the write paths with a marker word in each team-only thing:
a team-only thread and its replies, a safeguarding note, the team's reflections, a finding and
the reviewers' summary. Then, for each person who must not read them, every GET route the URL
resolver knows (pages, downloads, calendar files, API lists with and without filters, API
details for every object of the review) is requested, and every e-mail sent along the way is
read. The marker words must appear nowhere; team-only objects must be 404 where they are named.
"""

import json
from datetime import time
from itertools import product

import pytest
from django.core import mail
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from reviews.models import AgendaItem, Finding, SafeguardingNote, Thread, Visit
from reviews.peer_review import findings, reflections, safeguarding, threads, visit
from tests.factories import UserFactory

TEAM_SECRET = "Zanzibarteamonly"
REPLY_SECRET = "Quillreplyteam"
SAFEGUARDING_SECRET = "Quokkasafeguarding"
REFLECTION_SECRET = "Marmaladereflection"
FINDING_SECRET = "Tangerinefinding"
SUMMARY_SECRET = "Lanternsummary"
TEAM_WORK = (TEAM_SECRET, REPLY_SECRET, REFLECTION_SECRET, FINDING_SECRET, SUMMARY_SECRET)
EVERYTHING = (*TEAM_WORK, SAFEGUARDING_SECRET)


@pytest.fixture
def played(
    peer_review,
    lead_reviewer,
    reviewer,
    service_lead,
    staff,
    lived_experience,
    django_capture_on_commit_callbacks,
):
    """The review with its visit, both kinds of thread, reflections, a finding, the summary and a
    safeguarding note, every e-mail of it captured."""
    standard = peer_review.responses.order_by("standard__order").first().standard
    with django_capture_on_commit_callbacks(execute=True):
        planned = visit.save_visit(
            peer_review,
            by=lead_reviewer,
            expected_version=None,
            mode=Visit.Mode.IN_PERSON,
            starts_on=peer_review.cycle.visits_from,
            ends_on=peer_review.cycle.visits_from,
            location="The community room",
        )
        visit.add_agenda_item(
            planned,
            by=service_lead,
            day=planned.starts_on,
            starts_at=time(10, 0),
            title="Community meeting",
            meets=AgendaItem.Meets.COMMUNITY,
        )
        team = threads.start_thread(
            peer_review,
            by=reviewer,
            visibility=Thread.Visibility.TEAM,
            title=f"Handover {TEAM_SECRET}",
            body=f"What I noticed: {TEAM_SECRET}",
            standard=standard,
        )
        reply = threads.add_comment(team, by=lead_reviewer, body=f"Agreed: {REPLY_SECRET}")
        shared = threads.start_thread(
            peer_review,
            by=reviewer,
            visibility=Thread.Visibility.SHARED,
            title="How are new residents welcomed?",
            body="Could you tell us about the first week?",
            standard=standard,
        )
        for person in (service_lead, staff, lived_experience):
            threads.add_comment(shared, by=person, body="Each new resident has a buddy.")
        threads.add_comment(shared, by=reviewer, body="Thank you, that helps.")
        threads.add_comment(team, by=reviewer, body=f"Also {TEAM_SECRET} at lunch.")
        reflection = peer_review.reflections.order_by("standard__order").first()
        reflections.save_reflection(
            reflection,
            by=reviewer,
            expected_version=reflection.version,
            rating="partly_met",
            agreement="differs",
            rationale=f"We saw {REFLECTION_SECRET}.",
        )
        findings.add_finding(
            peer_review,
            by=lead_reviewer,
            kind=Finding.Kind.STRENGTH,
            title=f"Warm welcome {FINDING_SECRET}",
            started_from=reply,
            standards=[standard],
        )
        findings.save_summary(
            peer_review, by=lead_reviewer, expected_version=None, text=f"{SUMMARY_SECRET}."
        )
        safeguarding.raise_note(
            peer_review,
            by=reviewer,
            summary=f"A resident said {SAFEGUARDING_SECRET}.",
            raised_to="The shift lead",
        )
    staff.comment_emails = "daily"
    staff.save(update_fields=["comment_emails"])
    with django_capture_on_commit_callbacks(execute=True):
        threads.send_digests()
    return peer_review


def get_routes():
    """Every named GET route as (name, the names of its URL arguments)."""

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
                yield from walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield namespace + pattern.name, tuple(pattern.pattern.regex.groupindex)

    return sorted(
        {(name, args) for name, args in walk(get_resolver().url_patterns) if "format" not in args}
    )


def candidates(review) -> dict[str, list]:
    """Values for each URL argument: every object of the review that a route could name."""
    thread_ids = list(review.threads.values_list("pk", flat=True))
    comment_ids = [c for t in review.threads.all() for c in t.comments.values_list("pk", flat=True)]
    return {
        "pk": [review.pk],
        "thread_pk": thread_ids,
        "comment_pk": comment_ids,
        "code": list(review.framework_version.domains.values_list("code", flat=True)),
        "item_pk": list(
            AgendaItem.objects.filter(visit__review=review).values_list("pk", flat=True)
        ),
        "finding_pk": list(review.findings.values_list("pk", flat=True)),
        "note_pk": list(review.safeguarding_notes.values_list("pk", flat=True)),
        "reflection_pk": list(review.reflections.values_list("pk", flat=True)[:2]),
        "response_pk": list(review.responses.values_list("pk", flat=True)[:1]),
    }


# API detail routes name objects by their own pk.
API_OBJECTS = {
    "thread-": lambda r: r.threads.values_list("pk", flat=True),
    "comment-": lambda r: [
        c for t in r.threads.all() for c in t.comments.values_list("pk", flat=True)
    ],
    "reflection-": lambda r: r.reflections.values_list("pk", flat=True),
    "finding-": lambda r: r.findings.values_list("pk", flat=True),
    "safeguarding-note-": lambda r: r.safeguarding_notes.values_list("pk", flat=True),
    "visit-": lambda r: Visit.objects.filter(review=r).values_list("pk", flat=True),
    "agenda-item-": lambda r: AgendaItem.objects.filter(visit__review=r).values_list(
        "pk", flat=True
    ),
    "reviewers-summary-": lambda r: [r.pk],
    "review-": lambda r: [r.pk],
}


def urls_to_try(review) -> list[str]:
    values = candidates(review)
    urls = []
    for name, args in get_routes():
        if name.startswith(("admin:", "account_", "mfa_")) or name.endswith("-ledger"):
            continue
        if ":" not in name and args == ("pk",):  # an API route: its own objects
            pks = next((list(f(review)) for p, f in API_OBJECTS.items() if name.startswith(p)), [])
            urls += [reverse(name, kwargs={"pk": pk}) for pk in pks]
            continue
        if not all(arg in values for arg in args):
            continue
        for combination in product(*(values[arg] for arg in args)):
            urls.append(reverse(name, kwargs=dict(zip(args, combination, strict=True))))
        if not args and ":" not in name:  # an API list: also filtered to the review
            urls.append(reverse(name) + f"?review={review.pk}")
    return urls


def leaks(client: Client, urls: list[str], secrets: tuple[str, ...]) -> list[str]:
    found = []
    for url in urls:
        response = client.get(url)
        assert response.status_code < 500, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode("utf-8", "replace")
        found += [f"{url}: {secret}" for secret in secrets if secret in text]
    return found


@pytest.mark.parametrize(
    ("role", "secrets"),
    [
        ("staff", EVERYTHING),
        ("lived_experience", EVERYTHING),
        ("service_lead", TEAM_WORK),  # the host's lead reads safeguarding notes, nothing else
        ("commissioner", EVERYTHING),
        ("outsider", EVERYTHING),
    ],
)
def test_no_route_shows_the_team_side_to_people_outside_it(request, played, role, secrets):
    client = Client()
    client.force_login(request.getfixturevalue(role))
    urls = urls_to_try(played)

    found = leaks(client, urls, secrets)

    assert len(urls) > 60
    assert not found, found


def test_the_team_reads_every_marker_by_the_same_routes(played, lead_reviewer):
    """The crawl reaches the places the markers live: the lead reviewer finds every one."""
    client = Client()
    client.force_login(lead_reviewer)

    found = {entry.split(": ")[-1] for entry in leaks(client, urls_to_try(played), EVERYTHING)}

    assert found == set(EVERYTHING)


def test_a_team_only_thread_is_404_for_the_host_wherever_it_is_named(played, staff, service_lead):
    team = played.threads.get(visibility=Thread.Visibility.TEAM)
    comment = team.comments.first()
    urls = [
        reverse("reviews:thread_detail", args=[played.pk, team.pk]),
        reverse("reviews:comment_edit", args=[played.pk, comment.pk]),
        reverse("thread-detail", args=[team.pk]),
        reverse("comment-detail", args=[comment.pk]),
    ]
    for person in (staff, service_lead):
        client = Client()
        client.force_login(person)

        assert [client.get(url).status_code for url in urls] == [404] * len(urls)


def test_the_host_hears_of_shared_replies_but_no_email_carries_the_team_side(
    played, service_lead, staff, lived_experience, commissioner
):
    host = {service_lead.email, staff.email, lived_experience.email}
    to_host = [m for m in mail.outbox if host & set(m.to)]
    safeguarding_mail = [m for m in mail.outbox if "safeguarding" in m.subject.lower()]

    assert to_host, "the host should have been told of the shared replies"
    assert any(staff.email in m.to and "Thank you, that helps." in m.body for m in to_host)
    assert safeguarding_mail
    for message in mail.outbox:
        text = message.subject + message.body
        assert SAFEGUARDING_SECRET not in text, message.to
        if host & set(message.to):
            assert not [s for s in TEAM_WORK if s in text], message.to
    assert not [m for m in mail.outbox if commissioner.email in m.to]


def test_a_coordinator_of_another_network_sees_nothing(played, other_network):
    from assurance import roles

    stranger = UserFactory(email="coordinator.elsewhere@example.org")
    roles.appoint_coordinator(stranger, other_network)
    client = Client()
    client.force_login(stranger)

    assert not leaks(client, urls_to_try(played), EVERYTHING)


def test_safeguarding_notes_stay_out_of_everything_the_review_api_describes(played, service_lead):
    client = Client()
    client.force_login(service_lead)

    review = client.get(reverse("review-detail", args=[played.pk])).json()

    assert SAFEGUARDING_SECRET not in json.dumps(review)
    assert (
        not SafeguardingNote.objects.filter(review=played)
        .filter(summary__contains=REFLECTION_SECRET)
        .exists()
    )
