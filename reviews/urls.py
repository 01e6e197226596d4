"""URLs of the review cycle, grouped by screen (each group's views live in reviews/views/)."""

from django.urls import path

from reviews.views import actions as action_views
from reviews.views import allocation as allocation_views
from reviews.views import (
    cycles,
    dashboard,
    evidence,
    perspectives,
    review,
    reviewers,
    reviewing,
    self_assessment,
    voice,
)
from reviews.views import findings as finding_views
from reviews.views import history as history_views
from reviews.views import learning as learning_views
from reviews.views import reports as report_views
from reviews.views import safeguarding as safeguarding_views
from reviews.views import sharing as sharing_views
from reviews.views import threads as thread_views
from reviews.views import visit as visit_views

app_name = "reviews"
urlpatterns = [
    # The review page and its moves (reviews/views/review.py)
    path("reviews/<int:pk>/", review.review_detail, name="review_detail"),
    path("reviews/<int:pk>/transitions/", review.review_transition, name="review_transition"),
    # -- cycles (reviews/views/cycles.py) --
    path("cycles/", cycles.cycle_list, name="cycle_list"),
    path("cycles/new/", cycles.cycle_create, name="cycle_create"),
    path("cycles/<int:pk>/", cycles.cycle_board, name="cycle_board"),
    path("cycles/<int:pk>/edit/", cycles.cycle_edit, name="cycle_edit"),
    path("cycles/<int:pk>/enrol/", cycles.cycle_enrol, name="cycle_enrol"),
    # -- self-assessment (reviews/views/self_assessment.py) --
    path("reviews/<int:pk>/self-assessment/", self_assessment.overview, name="self_assessment"),
    path("reviews/<int:pk>/self-assessment/<str:code>/", self_assessment.domain, name="domain"),
    path(
        "reviews/<int:pk>/responses/<int:response_pk>/",
        self_assessment.response_save,
        name="response_save",
    ),
    path(
        "reviews/<int:pk>/last-actions/",
        self_assessment.previous_actions,
        name="previous_actions",
    ),
    path(
        "reviews/<int:pk>/start-from-last-cycle/",
        self_assessment.carry_forward,
        name="carry_forward",
    ),
    # -- perspectives (reviews/views/perspectives.py) --
    path(
        "reviews/<int:pk>/responses/<int:response_pk>/perspectives/add/",
        perspectives.perspective_add,
        name="perspective_add",
    ),
    path(
        "reviews/<int:pk>/perspectives/<int:perspective_pk>/edit/",
        perspectives.perspective_edit,
        name="perspective_edit",
    ),
    path(
        "reviews/<int:pk>/perspectives/<int:perspective_pk>/remove/",
        perspectives.perspective_remove,
        name="perspective_remove",
    ),
    # -- your voice (reviews/views/voice.py) --
    path("reviews/<int:pk>/your-voice/", voice.voice, name="voice"),
    # -- evidence (reviews/views/evidence.py) --
    path("reviews/<int:pk>/evidence/", evidence.evidence_list, name="evidence_list"),
    path("reviews/<int:pk>/evidence/add/", evidence.evidence_add, name="evidence_add"),
    path(
        "reviews/<int:pk>/evidence/<int:evidence_pk>/",
        evidence.evidence_detail,
        name="evidence_detail",
    ),
    path(
        "reviews/<int:pk>/evidence/<int:evidence_pk>/download/",
        evidence.evidence_download,
        name="evidence_download",
    ),
    path(
        "reviews/<int:pk>/evidence/<int:evidence_pk>/remove/",
        evidence.evidence_remove,
        name="evidence_remove",
    ),
    # -- reviewers (reviews/views/reviewers.py) --
    path("reviewing/profile/", reviewers.my_profile, name="my_profile"),
    path("reviewing/conflicts/", reviewers.my_conflicts, name="my_conflicts"),
    path(
        "reviewing/conflicts/<int:pk>/remove/",
        reviewers.my_conflict_remove,
        name="my_conflict_remove",
    ),
    path(
        "reviewing/invitations/<int:pk>/",
        reviewers.assignment_respond,
        name="assignment_respond",
    ),
    path("network/reviewers/", reviewers.reviewer_list, name="reviewer_list"),
    path("network/reviewers/add/", reviewers.reviewer_add, name="reviewer_add"),
    path("network/reviewers/<int:pk>/", reviewers.reviewer_edit, name="reviewer_edit"),
    path(
        "network/reviewers/<int:pk>/conflicts/",
        reviewers.reviewer_conflict_add,
        name="reviewer_conflict_add",
    ),
    path(
        "network/reviewers/<int:pk>/conflicts/<int:conflict_pk>/remove/",
        reviewers.reviewer_conflict_remove,
        name="reviewer_conflict_remove",
    ),
    # -- allocation (reviews/views/allocation.py) --
    path("cycles/<int:pk>/teams/", allocation_views.cycle_teams, name="cycle_teams"),
    path(
        "cycles/<int:pk>/teams/<int:review_pk>/add/<str:role>/",
        allocation_views.team_add,
        name="team_add",
    ),
    path(
        "cycles/<int:pk>/assignments/<int:assignment_pk>/withdraw/",
        allocation_views.assignment_withdraw,
        name="assignment_withdraw",
    ),
    path("cycles/<int:pk>/proposals/", allocation_views.proposal_create, name="proposal_create"),
    path(
        "cycles/<int:pk>/proposals/<int:proposal_pk>/",
        allocation_views.proposal_detail,
        name="proposal_detail",
    ),
    path(
        "cycles/<int:pk>/proposals/<int:proposal_pk>/status/",
        allocation_views.proposal_status,
        name="proposal_status",
    ),
    path(
        "cycles/<int:pk>/proposals/<int:proposal_pk>/confirm/",
        allocation_views.proposal_confirm,
        name="proposal_confirm",
    ),
    path("cycles/<int:pk>/ledger/", allocation_views.ledger, name="ledger"),
    # -- peer review: visit (reviews/views/visit.py) --
    path("reviews/<int:pk>/visit/", visit_views.visit, name="visit"),
    path("reviews/<int:pk>/visit/edit/", visit_views.visit_edit, name="visit_edit"),
    path("reviews/<int:pk>/visit/agenda/add/", visit_views.agenda_add, name="agenda_add"),
    path(
        "reviews/<int:pk>/visit/agenda/<int:item_pk>/",
        visit_views.agenda_edit,
        name="agenda_edit",
    ),
    path(
        "reviews/<int:pk>/visit/agenda/<int:item_pk>/remove/",
        visit_views.agenda_remove,
        name="agenda_remove",
    ),
    path("reviews/<int:pk>/visit/calendar.ics", visit_views.visit_ics, name="visit_ics"),
    # -- peer review: threads (reviews/views/threads.py) --
    path("reviews/<int:pk>/threads/", thread_views.thread_list, name="thread_list"),
    path("reviews/<int:pk>/threads/new/", thread_views.thread_add, name="thread_add"),
    path(
        "reviews/<int:pk>/threads/<int:thread_pk>/",
        thread_views.thread_detail,
        name="thread_detail",
    ),
    path(
        "reviews/<int:pk>/threads/<int:thread_pk>/reply/",
        thread_views.thread_reply,
        name="thread_reply",
    ),
    path(
        "reviews/<int:pk>/comments/<int:comment_pk>/edit/",
        thread_views.comment_edit,
        name="comment_edit",
    ),
    path("account/comment-emails/", thread_views.comment_emails, name="comment_emails"),
    # -- peer review: reviewing and reflections (reviews/views/reviewing.py) --
    path("reviews/<int:pk>/reviewing/", reviewing.overview, name="reviewing"),
    path("reviews/<int:pk>/reviewing/<str:code>/", reviewing.domain, name="reviewing_domain"),
    path(
        "reviews/<int:pk>/reflections/<int:reflection_pk>/",
        reviewing.reflection_save,
        name="reflection_save",
    ),
    # -- peer review: findings, summary and safeguarding (reviews/views/findings.py,
    #    reviews/views/safeguarding.py) --
    path("reviews/<int:pk>/findings/", finding_views.finding_list, name="finding_list"),
    path("reviews/<int:pk>/findings/add/", finding_views.finding_add, name="finding_add"),
    path(
        "reviews/<int:pk>/findings/<int:finding_pk>/",
        finding_views.finding_edit,
        name="finding_edit",
    ),
    path(
        "reviews/<int:pk>/findings/<int:finding_pk>/move/",
        finding_views.finding_move,
        name="finding_move",
    ),
    path(
        "reviews/<int:pk>/findings/<int:finding_pk>/remove/",
        finding_views.finding_remove,
        name="finding_remove",
    ),
    path("reviews/<int:pk>/summary/", finding_views.summary_edit, name="summary_edit"),
    path(
        "reviews/<int:pk>/safeguarding/",
        safeguarding_views.safeguarding_list,
        name="safeguarding_list",
    ),
    path(
        "reviews/<int:pk>/safeguarding/raise/",
        safeguarding_views.safeguarding_add,
        name="safeguarding_add",
    ),
    path(
        "reviews/<int:pk>/safeguarding/<int:note_pk>/",
        safeguarding_views.safeguarding_detail,
        name="safeguarding_detail",
    ),
    # -- reports: pages (reviews/views/reports.py) --
    path("reviews/<int:pk>/reports/", report_views.report_list, name="report_list"),
    path(
        "reviews/<int:pk>/reports/readers/",
        report_views.report_readers,
        name="report_readers",
    ),
    path(
        "reviews/<int:pk>/reports/correct/",
        report_views.report_correct,
        name="report_correct",
    ),
    path(
        "reviews/<int:pk>/reports/<int:report_pk>/",
        report_views.report_detail,
        name="report_detail",
    ),
    path(
        "reviews/<int:pk>/reports/<int:report_pk>/pdf/",
        report_views.report_pdf,
        name="report_pdf",
    ),
    path(
        "reviews/<int:pk>/reports/<int:report_pk>/summary.pdf",
        report_views.report_summary_pdf,
        name="report_summary_pdf",
    ),
    path(
        "reviews/<int:pk>/reports/<int:report_pk>/comments/",
        report_views.accuracy_comment_add,
        name="accuracy_comment_add",
    ),
    path(
        "reviews/<int:pk>/reports/<int:report_pk>/agree/",
        report_views.report_agree,
        name="report_agree",
    ),
    path(
        "reviews/<int:pk>/accuracy-comments/<int:comment_pk>/answer/",
        report_views.accuracy_comment_answer,
        name="accuracy_comment_answer",
    ),
    path(
        "reviews/<int:pk>/render-jobs/<int:job_pk>/status/",
        report_views.render_status,
        name="render_status",
    ),
    path(
        "reviews/<int:pk>/render-jobs/<int:job_pk>/retry/",
        report_views.render_retry,
        name="render_retry",
    ),
    # -- reports: actions and sharing (reviews/views/actions.py, reviews/views/sharing.py) --
    path("reviews/<int:pk>/actions/", action_views.action_list, name="action_list"),
    path("reviews/<int:pk>/actions/add/", action_views.action_add, name="action_add"),
    path(
        "reviews/<int:pk>/actions/<int:action_pk>/",
        action_views.action_edit,
        name="action_edit",
    ),
    path(
        "reviews/<int:pk>/actions/<int:action_pk>/remove/",
        action_views.action_remove,
        name="action_remove",
    ),
    path(
        "reviews/<int:pk>/actions/<int:action_pk>/progress/",
        action_views.action_progress,
        name="action_progress",
    ),
    path("services/<int:service_pk>/actions.csv", action_views.action_csv, name="action_csv"),
    path("reviews/<int:pk>/sharing/", sharing_views.share_list, name="share_list"),
    # Every report shared with a commissioning body (the dashboard shows the newest few).
    path("bodies/<int:pk>/shared-reports/", dashboard.shared_reports, name="shared_reports"),
    path(
        "reviews/<int:pk>/sharing/<int:share_pk>/revoke/",
        sharing_views.share_revoke,
        name="share_revoke",
    ),
    # -- reports: learning (reviews/views/learning.py) --
    path("cycles/<int:pk>/learning/", learning_views.learning_report, name="learning_report"),
    path(
        "cycles/<int:pk>/learning/pdf/",
        learning_views.learning_pdf_request,
        name="learning_pdf_request",
    ),
    path(
        "cycles/<int:pk>/learning/pdf/<int:job_pk>/",
        learning_views.learning_pdf,
        name="learning_pdf",
    ),
    path(
        "cycles/<int:pk>/learning/pdf/<int:job_pk>/status/",
        learning_views.learning_pdf_status,
        name="learning_pdf_status",
    ),
    # -- history: a review's full history, for coordinators (reviews/views/history.py) --
    path("reviews/<int:pk>/history/", history_views.review_history, name="review_history"),
]
