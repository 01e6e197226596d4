"""The report context (reviews/report/context.py): every section, nothing team-only, small
numbers suppressed, names only with consent, no grades, and a constant number of queries."""

import json
import re
from dataclasses import replace
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assurance import roles
from assurance.models import Membership
from reviews.cycles import default_dates, open_cycle
from reviews.models import Rating
from reviews.report.context import build_report_context
from reviews.report.summary import build_summary_context
from tests.factories import UserFactory
from tests.reviews.report_data import (
    CONSENTING_REVIEWER,
    NEVER_SHOWN,
    Cast,
    build_report_review,
    name_people,
    open_cycles,
    relational_environment_standards,
)

NO_GRADES = re.compile(
    r"\b(outstanding|good|requires improvement|inadequate|grade|grades|graded|pass|fail|"
    r"score|scores|scored|total)\b",
    re.IGNORECASE,
)


@pytest.fixture
def cast(service_lead, staff, coordinator, lead_reviewer, reviewer, expert_reviewer):
    people = Cast(service_lead, staff, coordinator, lead_reviewer, reviewer, expert_reviewer)
    name_people(people)
    return people


@pytest.fixture
def report_review(service, version, network, cast):
    cycles = open_cycles(network, [version])
    return build_report_review(service=service, version=version, cycles=cycles, cast=cast)


@pytest.fixture
def context(report_review):
    return build_report_context(report_review, kind="final", number=2)


def test_report_context_holds_every_section(context, report_review):
    standards = list(report_review.framework_version.standards.order_by("domain__order", "order"))

    assert context["cover"]["service"] == "Willow House"
    assert context["cover"]["organisation"] == "Riverside Care Trust"
    assert context["cover"]["network"] == "Test Collaborative"
    assert context["cover"]["cycle"] == "2027"
    assert context["cover"]["version_label"] == "Final, version 2"
    assert context["cover"]["visit"]["days"]
    assert context["cover"]["ownership"].startswith("This report belongs to Willow House")
    assert "not an inspection" in context["about"]["purpose"]
    assert "safeguarding" in context["about"]["scope"]
    assert context["about"]["framework"]["version"] == report_review.framework_version.label
    assert [m["role"] for m in context["who_took_part"]["team"]] == ["lead", "peer", "expert"]
    assert context["service_words"]["text"].startswith("A small community")
    assert context["reviewers_summary"]["text"].startswith("A community that listens")
    rows = [row["code"] for d in context["findings"]["domains"] for row in d["standards"]]
    assert rows == [s.code for s in standards]
    kinds = {
        group["kind"]
        for d in context["findings"]["domains"]
        for group in d["groups"]
        if group["findings"]
    }
    assert kinds == {"strength", "even_better_if", "development"}
    assert context["findings"]["general"]["has_findings"]
    assert [v["voice"] for v in context["voices"]][:2] == ["people_using_service", "staff"]
    assert context["voices"][0]["standards"][0]["said"][0]["text"].startswith("People said")
    assert [f["kind"] for f in context["learning"]] == ["learning"]
    assert context["previous"]["cycle"] == "2026"
    assert all(a["progress"] for a in context["previous"]["actions"])
    assert context["actions"][0]["findings"]
    assert context["actions"][0]["standards"]
    assert context["actions"][0]["due"] == {"iso": "2027-10-01", "display": "1 October 2027"}
    appendix = context["appendix"]
    assert [s["code"] for d in appendix["standards"] for s in d["standards"]] == [
        s.code for s in standards
    ]
    assert appendix["agenda"][0]["title"] == "Community meeting"
    assert [entry["answer_label"] for entry in appendix["accuracy_log"]] == [
        "Accepted",
        "Partly accepted",
    ]
    assert appendix["accuracy_log"][1]["about"].startswith("Action: Agree a plan")
    assert appendix["glossary"]
    assert len(context["profile"]) == len(context["findings"]["domains"])


def plain_types(node) -> set[type]:
    if isinstance(node, dict):
        return {dict}.union(*(plain_types(v) for v in node.values()), {type(k) for k in node})
    if isinstance(node, list):
        return {list}.union(*(plain_types(v) for v in node))
    return {type(node)}


def test_report_context_is_plain_json(context, report_review):
    summary = build_summary_context(report_review, context)

    assert json.loads(json.dumps(context)) == context
    assert plain_types(context) <= {dict, list, str, int, bool, type(None)}
    assert plain_types(summary) <= {dict, list, str, int, bool, type(None)}


def test_report_context_holds_nothing_team_only(context):
    text = json.dumps(context, ensure_ascii=False).lower()

    for word in NEVER_SHOWN.values():
        assert word.lower() not in text, word


def test_report_context_names_reviewers_only_with_consent(context):
    team = context["who_took_part"]["team"]

    assert team[0]["display"] == f"Lead reviewer: {CONSENTING_REVIEWER}"
    assert [m["display"] for m in team[1:]] == ["Peer reviewer", "Expert by experience"]
    assert [m["name"] for m in team[1:]] == [None, None]


def test_report_context_shows_small_numbers_as_fewer_than_the_threshold(context):
    voices = {v["voice"]: v["people"]["display"] for v in context["who_took_part"]["voices"]}

    assert voices == {
        "people_using_service": "12",
        "staff": "8",
        "families_carers": "Fewer than 5",
        "partners": "Number not recorded",
    }


def test_report_context_follows_the_networks_threshold(report_review, network):
    network.suppression_threshold = 10
    network.save()

    context = build_report_context(report_review)

    voices = {v["voice"]: v["people"]["display"] for v in context["who_took_part"]["voices"]}
    assert voices["staff"] == "Fewer than 10"
    assert voices["people_using_service"] == "12"
    assert "8" not in json.dumps(context["who_took_part"])


def test_report_context_counts_each_sides_view_per_domain(context, report_review):
    own = dict(report_review.responses.values_list("standard__code", "rating"))
    team = dict(report_review.reflections.values_list("standard__code", "rating"))

    for domain, profile in zip(context["findings"]["domains"], context["profile"], strict=True):
        codes = [row["code"] for row in domain["standards"]]
        for rating in (Rating.MET, Rating.PARTLY_MET, Rating.NOT_YET_MET, Rating.NOT_APPLICABLE):
            assert profile["service"][rating] == sum(own[c] == rating for c in codes)
            assert profile["team"][rating] == sum(team[c] == rating for c in codes)
        assert set(profile) == {
            "code",
            "name",
            "standards",
            "service",
            "team",
            "counts",
            "description",
        }


def test_report_context_has_no_grades(context, report_review):
    summary = build_summary_context(report_review, context)

    for document in (context, summary):
        assert NO_GRADES.findall(json.dumps(document)) == []


def test_report_context_log_covers_only_earlier_drafts(report_review):
    first = build_report_context(report_review, kind="draft", number=1)
    second = build_report_context(report_review, kind="draft", number=2)

    assert first["appendix"]["accuracy_log"] == []
    assert len(second["appendix"]["accuracy_log"]) == 2
    assert first["cover"]["is_draft"]
    assert first["cover"]["issued"] is None


def test_report_context_only_reads(report_review):
    with CaptureQueriesContext(connection) as queries:
        build_report_context(report_review, kind="final", number=2, issued_at=None)

    assert all(q["sql"].lstrip().upper().startswith("SELECT") for q in queries.captured_queries)


def test_report_context_queries_are_the_same_at_two_sizes(
    django_assert_num_queries, network, service, other_service, version, cast
):
    big = relational_environment_standards()
    cycles = open_cycles(network, [version, big])
    small_review = build_report_review(
        service=service,
        version=version,
        cycles=cycles,
        cast=cast,
        findings_per_kind=1,
        actions=1,
        previous_actions=1,
    )
    hosts = {}
    for role in (Membership.Role.SERVICE_LEAD, Membership.Role.STAFF):
        hosts[role] = UserFactory()
        roles.join_service(hosts[role], other_service, role)
    large_review = build_report_review(
        service=other_service,
        version=big,
        cycles=cycles,
        cast=replace(
            cast,
            service_lead=hosts[Membership.Role.SERVICE_LEAD],
            staff=hosts[Membership.Role.STAFF],
        ),
        findings_per_kind=6,
        actions=8,
        previous_actions=5,
    )
    with CaptureQueriesContext(connection) as small:
        build_report_context(small_review, kind="final", number=2)

    with django_assert_num_queries(len(small.captured_queries)):
        large = build_report_context(large_review, kind="final", number=2)

    assert len(large["actions"]) == 8
    assert sum(len(d["standards"]) for d in large["findings"]["domains"]) == 40


def test_summary_context_draws_on_the_report(context, report_review):
    summary = build_summary_context(report_review, context)

    assert 1 <= len(summary["strengths"]) <= 5
    assert 1 <= len(summary["development"]) <= 5
    assert summary["essential"]["all_met"] is False
    assert summary["essential"]["not_met"]
    assert all(row["team_rating_label"] != "Met" for row in summary["essential"]["not_met"])
    assert summary["previous"]["actions"]
    assert summary["next_review"]["basis"] == "estimate"
    assert summary["next_review"]["date"]["iso"] == "2028-01-04"
    assert summary["scope"] == context["about"]["scope"]
    assert json.loads(json.dumps(summary)) == summary


def test_summary_context_gives_the_next_cycle_when_the_network_has_set_it(
    context, report_review, network, version
):
    open_cycle(
        network=network,
        name="2028",
        versions=[version],
        **default_dates(network, date(2028, 2, 7)),
    )

    summary = build_summary_context(report_review, context)

    assert summary["next_review"]["basis"] == "next_cycle"
    assert summary["next_review"]["date"]["display"] == "7 February 2028"
