"""Reading a review for its report: every row the report context needs, in a fixed number of
queries however many standards, findings, perspectives or actions the review has
(reviews/report/context.py turns these rows into the report's sections)."""

from django.db.models import Q

from reviews.models import (
    AccuracyComment,
    Action,
    ActionProgress,
    AgendaItem,
    Assignment,
    Finding,
    Perspective,
    Reflection,
    Report,
    Response,
    Review,
    ReviewersSummary,
    Visit,
)
from reviews.self_assessment import last_cycles_actions
from standards.models import Domain, Standard


def load_rows(review: Review, number: int) -> dict:
    """Every row the report needs, one query per kind of row."""
    review = Review.objects.select_related(
        "cycle__network",
        "service__organisation",
        "framework_version__framework",
        "previous__cycle",
    ).get(pk=review.pk)
    version_id = review.framework_version_id
    finding_links = Finding.standards.through.objects.filter(finding__review=review)
    action_standards = Action.standards.through.objects.filter(action__review=review)
    return {
        "review": review,
        "domains": list(Domain.objects.filter(version_id=version_id).order_by("order")),
        "standards": list(
            Standard.objects.filter(version_id=version_id).order_by("domain__order", "order")
        ),
        "responses": {
            row["standard_id"]: row
            for row in Response.objects.filter(review=review).values(
                "standard_id", "rating", "not_applicable_reason"
            )
        },
        "reflections": {
            row["standard_id"]: row
            for row in Reflection.objects.filter(review=review).values(
                "standard_id", "rating", "agreement", "rationale"
            )
        },
        "perspectives": list(
            Perspective.objects.filter(response__review=review)
            .order_by("response__standard__domain__order", "response__standard__order", "pk")
            .values("response__standard_id", "voice", "text", "people_count", "method")
        ),
        "findings": list(
            Finding.objects.filter(review=review)
            .order_by("order", "pk")
            .values("pk", "kind", "title", "body", "agreed_with_host")
        ),
        "finding_standards": list(finding_links.values_list("finding_id", "standard_id")),
        "finding_domains": list(
            Finding.domains.through.objects.filter(finding__review=review).values_list(
                "finding_id", "domain_id"
            )
        ),
        "summary": ReviewersSummary.objects.filter(review=review)
        .values_list("text", flat=True)
        .first(),
        "team": list(
            Assignment.objects.filter(review=review, status=Assignment.Status.ACCEPTED)
            .select_related("reviewer__user")
            .order_by("pk")
        ),
        "visit": Visit.objects.filter(review=review).first(),
        "agenda": list(
            AgendaItem.objects.filter(visit__review=review).order_by("day", "starts_at", "pk")
        ),
        # Runs (and finds nothing) without a previous review, so the count of queries is constant.
        "previous_actions": list(last_cycles_actions(review)),
        "progress": list(
            ActionProgress.objects.filter(review=review, action__review_id=review.previous_id)
            .order_by("at", "pk")
            .values("action_id", "note", "status", "at")
        ),
        "actions": list(Action.objects.filter(review=review)),
        "action_standards": list(action_standards.values_list("action_id", "standard_id")),
        "action_findings": list(
            Action.findings.through.objects.filter(action__review=review).values_list(
                "action_id", "finding_id"
            )
        ),
        # The accuracy check of this review's earlier drafts: what changed before this version.
        "accuracy": list(
            AccuracyComment.objects.filter(
                Q(report__review=review)
                & Q(report__kind=Report.Kind.DRAFT)
                & Q(report__number__lt=number)
            )
            .select_related("report")
            .order_by("report__number", "created_at", "pk")
        ),
    }
