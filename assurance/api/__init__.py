"""The versioned REST API at /api/v1/: every app's viewsets are registered on this router.

The resources live by concern: assurance/api/network.py (organisations, services, commissioning
bodies), assurance/api/people.py (memberships, invitations, `/me/`), standards/api.py
(frameworks and standards) and reviews/api/ (the review cycle). Conventions they share are in
assurance/rest.py.
"""

from django.urls import path
from rest_framework import routers

from assurance.api.network import CommissioningBodyViewSet, OrganisationViewSet, ServiceViewSet
from assurance.api.people import InvitationViewSet, MembershipViewSet, MeView
from reviews.api import actions as actions_api
from reviews.api import allocation as allocation_api
from reviews.api import cycle as review_api
from reviews.api import evidence as evidence_api
from reviews.api import findings as findings_api
from reviews.api import learning as learning_api
from reviews.api import reflections as reflections_api
from reviews.api import reports as reports_api
from reviews.api import self_assessment as self_assessment_api
from reviews.api import threads as threads_api
from reviews.api import visit as visit_api
from standards import api as standards_api


class Router(routers.DefaultRouter):
    """The default router, plus `/me/` and a cycle's ledger (reviews/api/allocation.py): one
    object each, not a collection, so not viewsets."""

    def get_urls(self):
        return [
            path("me/", MeView.as_view(), name="me"),
            path(
                "cycles/<int:pk>/ledger/", allocation_api.LedgerView.as_view(), name="cycle-ledger"
            ),
            *super().get_urls(),
        ]


router = Router()
router.register("frameworks", standards_api.FrameworkViewSet, basename="framework")
router.register("framework-versions", standards_api.FrameworkVersionViewSet, basename="version")
router.register("standards", standards_api.StandardViewSet, basename="standard")
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("services", ServiceViewSet, basename="service")
router.register("commissioning-bodies", CommissioningBodyViewSet, basename="commissioningbody")
router.register("memberships", MembershipViewSet, basename="membership")
router.register("invitations", InvitationViewSet, basename="invitation")
router.register("cycles", review_api.CycleViewSet, basename="cycle")
router.register("reviews", review_api.ReviewViewSet, basename="review")
router.register("responses", self_assessment_api.ResponseViewSet, basename="response")
router.register("perspectives", self_assessment_api.PerspectiveViewSet, basename="perspective")
router.register(
    "action-progress", self_assessment_api.ActionProgressViewSet, basename="action-progress"
)
router.register("evidence", evidence_api.EvidenceViewSet, basename="evidence")
router.register(
    "reviewer-profiles", allocation_api.ReviewerProfileViewSet, basename="reviewerprofile"
)
router.register("conflicts", allocation_api.ConflictViewSet, basename="conflict")
router.register("proposals", allocation_api.ProposalViewSet, basename="proposal")
router.register("assignments", allocation_api.AssignmentViewSet, basename="assignment")
# The peer review: visit (reviews/api/visit.py), threads (threads.py), reflections
# (reflections.py), findings, summary and safeguarding (findings.py).
router.register("visits", visit_api.VisitViewSet, basename="visit")
router.register("agenda-items", visit_api.AgendaItemViewSet, basename="agenda-item")
router.register("threads", threads_api.ThreadViewSet, basename="thread")
router.register("comments", threads_api.CommentViewSet, basename="comment")
router.register("reflections", reflections_api.ReflectionViewSet, basename="reflection")
router.register("findings", findings_api.FindingViewSet, basename="finding")
router.register(
    "reviewers-summaries", findings_api.ReviewersSummaryViewSet, basename="reviewers-summary"
)
router.register(
    "safeguarding-notes", findings_api.SafeguardingNoteViewSet, basename="safeguarding-note"
)
# -- reports: pages (reviews/api/reports.py) --
router.register("reports", reports_api.ReportViewSet, basename="report")
router.register("render-jobs", reports_api.RenderJobViewSet, basename="render-job")
router.register(
    "accuracy-comments", reports_api.AccuracyCommentViewSet, basename="accuracy-comment"
)
# -- reports: actions and sharing (reviews/api/actions.py) --
router.register("actions", actions_api.ActionViewSet, basename="action")
router.register("shares", actions_api.ShareViewSet, basename="share")
# -- reports: learning (reviews/api/learning.py) --
router.register("learning-reports", learning_api.LearningReportViewSet, basename="learning-report")
