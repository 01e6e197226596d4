"""The one-page summary for commissioners, drawn from an issued report's own context.

It is built once, when a final report is issued (reviews/report/issuing.py), and frozen in the
report's snapshot beside the report itself, so the summary never changes after publication.
"""

from collections import defaultdict

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from reviews.models import Action, Cycle, Finding, Rating, Review
from reviews.report.context import LANGUAGE, SNAPSHOT_FORMAT, _day

SUMMARY_MOST = 5


def build_summary_context(review: Review, report_context: dict) -> dict:
    """The one-page summary for commissioners, drawn from the report's own context.

    Strengths and areas for development are the report's first five of each, in the report's
    order. Essential standards count as met when the team's view is met or not applicable. The
    next review date is the start of the network's next cycle when one is set; otherwise it is
    estimated as a year after this cycle opened, and the summary says so.
    """
    review = Review.objects.select_related("cycle").get(pk=review.pk)
    findings = [
        finding
        for group in (
            report_context["findings"]["general"],
            *report_context["findings"]["domains"],
        )
        for kind_group in group["groups"]
        for finding in kind_group["findings"]
    ]
    rows = [row for d in report_context["findings"]["domains"] for row in d["standards"]]
    essential = [row for row in rows if row["type"] == "essential"]
    short = [
        row for row in essential if row["team_rating"] not in (Rating.MET, Rating.NOT_APPLICABLE)
    ]
    actions_by_code = defaultdict(list)
    finding_codes = {
        finding["id"]: {s["code"] for s in finding["standards"]} for finding in findings
    }
    for action in report_context["actions"]:
        codes = {s["code"] for s in action["standards"]}
        for linked in action["findings"]:
            codes |= finding_codes.get(linked["id"], set())
        for code in codes:
            actions_by_code[code].append(action["title"])
    previous = report_context["previous"]
    status_counts = defaultdict(int)
    for action in previous["actions"]:
        status_counts[action["status"]] += 1
    later = (
        Cycle.objects.filter(network_id=review.cycle.network_id, opens_on__gt=review.cycle.opens_on)
        .order_by("opens_on")
        .first()
    )
    if later is not None:
        next_review = {
            "date": _day(later.opens_on),
            "basis": "next_cycle",
            "explanation": _(
                "The network’s next cycle, %(cycle)s, opens on this date; the service’s next "
                "self-assessment starts then."
            )
            % {"cycle": later.name},
        }
    else:
        opens = review.cycle.opens_on
        try:
            estimate = opens.replace(year=opens.year + 1)
        except ValueError:  # 29 February
            estimate = opens.replace(year=opens.year + 1, day=28)
        next_review = {
            "date": _day(estimate),
            "basis": "estimate",
            "explanation": _(
                "Estimated: the network has not yet set its next cycle. Reviews run once a "
                "cycle, and this cycle opened on %(opened)s."
            )
            % {"opened": date_format(opens, "j F Y")},
        }
    cover = report_context["cover"]
    return {
        "format": SNAPSHOT_FORMAT,
        "document": {
            "title": _("%(service)s: summary for commissioners, %(cycle)s (%(version)s)")
            % {
                "service": cover["service"],
                "cycle": cover["cycle"],
                "version": cover["version_label"],
            },
            "lang": LANGUAGE,
            "kind": cover["kind"],
            "number": cover["number"],
        },
        "cover": cover,
        "framework": report_context["about"]["framework"],
        "participation": {
            "team": report_context["who_took_part"]["team"],
            "voices": report_context["who_took_part"]["voices"],
            "counting_note": report_context["who_took_part"]["counting_note"],
            "visit": cover["visit"],
        },
        "strengths": [f for f in findings if f["kind"] == Finding.Kind.STRENGTH][:SUMMARY_MOST],
        "development": [f for f in findings if f["kind"] == Finding.Kind.DEVELOPMENT][
            :SUMMARY_MOST
        ],
        "essential": {
            "count": len(essential),
            "all_met": not short,
            "statement": (
                _("In the review team’s view, every essential standard is met.")
                if not short
                else _(
                    "In the review team’s view, %(short)d of the %(all)d essential standards "
                    "are not yet fully met."
                )
                % {"short": len(short), "all": len(essential)}
            ),
            "not_met": [
                {
                    "code": row["code"],
                    "title": row["title"],
                    "team_rating_label": row["team_rating_label"],
                    "actions": sorted(set(actions_by_code[row["code"]])),
                }
                for row in short
            ],
        },
        "previous": {
            "has_previous": previous["has_previous"],
            "cycle": previous["cycle"],
            "counts": [
                {"status": status, "label": str(label), "count": status_counts[status]}
                for status, label in Action.Status.choices
                if status_counts[status]
            ],
            "actions": [
                {"title": a["title"], "status_label": a["status_label"]}
                for a in previous["actions"]
            ],
        },
        "actions_count": len(report_context["actions"]),
        "next_review": next_review,
        "scope": report_context["about"]["scope"],
    }
