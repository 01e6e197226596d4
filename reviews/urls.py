"""URLs of the review cycle, grouped by screen (each group's views live in reviews/views/)."""

from django.urls import path

from reviews.views import review

app_name = "reviews"
urlpatterns = [
    # The review page and its moves (reviews/views/review.py)
    path("reviews/<int:pk>/", review.review_detail, name="review_detail"),
    path("reviews/<int:pk>/transitions/", review.review_transition, name="review_transition"),
    # -- cycles (reviews/views/cycles.py) --
    # -- self-assessment (reviews/views/self_assessment.py) --
    # -- evidence (reviews/views/evidence.py) --
]
