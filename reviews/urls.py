"""URLs of the review cycle, grouped by screen (each group's views live in reviews/views/)."""

from django.urls import path

from reviews.views import cycles, evidence, perspectives, review, self_assessment, voice

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
    # -- allocation (reviews/views/allocation.py) --
]
