"""The team's reflections in the API: the review team's view of each standard, beside the
service's own, for the reviews whose team work the person may read (the review team and the
network's coordinators; never the host service).

There is one reflection per standard from the start of the peer review, so there is no create
and no delete: the reviewers on the team change one with PATCH, through
reviews/peer_review/reflections.py like the pages, carrying the version they started from as the
responses do (reviews/api/self_assessment.py):

- no version: 428 `version_required`;
- a newer version saved meanwhile: 409 `stale`, with the stored reflection as `current`;
- someone who is not a reviewer on the team (a coordinator): 403;
- a review whose team no longer writes (after drafting, or withdrawn): 409 `not_editable`;
- "differs" without a reason, or an unknown value: 400 with field errors.

Reads and writes send the reflection's version as its `ETag`.
"""

from django.db.models import OuterRef, Subquery
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.response import Response as RestResponse

from assurance.rest import Conflict, IdFilter, problem_responses
from reviews.api.cycle import PersonRefSerializer, named_choice_field
from reviews.api.self_assessment import (
    IF_MATCH,
    RatingField,
    StaleConflict,
    StandardRefSerializer,
    VersionSerializer,
    expected_version,
    refused,
    with_etag,
)
from reviews.models import Reflection, Response
from reviews.peer_review import access_for, team_work_reviews
from reviews.peer_review import reflections as reflection_writes
from reviews.self_assessment import Invalid, StaleWrite

AgreementField = named_choice_field("ReflectionAgreementEnum", Reflection.Agreement.choices)


class ReflectionSerializer(serializers.ModelSerializer):
    standard = StandardRefSerializer(read_only=True)
    service_rating = RatingField(
        read_only=True,
        allow_null=True,
        help_text="The service's own view of the standard, from its self-assessment.",
    )
    rating = RatingField(
        read_only=True, allow_null=True, help_text="The team's view; null: not given yet."
    )
    agreement = AgreementField(
        read_only=True,
        allow_null=True,
        help_text="Whether the team's view agrees with the service's own; null: not said yet.",
    )
    recorded = serializers.BooleanField(
        source="is_recorded",
        read_only=True,
        help_text="A view, and where it differs a reason: what starting to draft needs.",
    )
    updated_by = PersonRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Reflection
        fields = [
            "id",
            "review",
            "standard",
            "service_rating",
            "rating",
            "agreement",
            "rationale",
            "recorded",
            "version",
            "updated_by",
            "updated_at",
        ]
        read_only_fields = fields


class ReflectionUpdateSerializer(VersionSerializer):
    """The fields sent are changed; the others keep their stored values."""

    rating = RatingField(
        required=False, allow_null=True, allow_blank=True, help_text="null clears the view."
    )
    agreement = AgreementField(
        required=False, allow_null=True, allow_blank=True, help_text="null clears the answer."
    )
    rationale = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=10_000,
        help_text="Why; required when `agreement` is `differs`.",
    )


class ReflectionFilter(filters.FilterSet):
    # By plain id: an id the person cannot see gives an empty list, as one that does not exist.
    review = IdFilter(field_name="review_id")
    standard = IdFilter(field_name="standard_id")

    class Meta:
        model = Reflection
        fields = ["review", "standard"]


@extend_schema_view(
    retrieve=extend_schema(description="One reflection, with its `version` as the `ETag`."),
    partial_update=extend_schema(
        request=ReflectionUpdateSerializer,
        responses={200: ReflectionSerializer, **problem_responses(409, 428)},
        parameters=[IF_MATCH],
        description=(
            "Change the team's view of a standard, for the reviewers on the team (else 403), "
            "while the review is in peer review or drafting (else 409 `not_editable`). Send the "
            "version you started from (If-Match or `version`; without it 428). If someone saved "
            "a newer one meanwhile: 409 `stale`, with `current`. `differs` without a "
            "`rationale`: 400."
        ),
    ),
)
class ReflectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The team's reflections, one per standard, of the reviews whose team work the person
    reads. Filter by `review` to get one review's, in the framework's order."""

    serializer_class = ReflectionSerializer
    filterset_class = ReflectionFilter

    def get_queryset(self):
        service_rating = Response.objects.filter(
            review=OuterRef("review"), standard=OuterRef("standard")
        ).values("rating")[:1]
        return (
            Reflection.objects.filter(review__in=team_work_reviews(self.request.user))
            .select_related("review", "standard__domain", "updated_by")
            .annotate(service_rating=Subquery(service_rating))
            .order_by("review_id", "standard__order", "pk")
        )

    def _current(self, pk: int) -> dict:
        return ReflectionSerializer(self.get_queryset().get(pk=pk)).data

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        return with_etag(response, response.data["version"])

    def partial_update(self, request, pk=None):
        reflection = self.get_object()
        review = reflection.review
        # Who and when first, so a coordinator is told "not yours" whatever they sent.
        try:
            reflection_writes.check_may_reflect(access_for(request.user, review), review)
        except reflection_writes.ReflectionsClosed as error:
            raise Conflict(str(error), code="not_editable") from None
        serializer = ReflectionUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        version = expected_version(request, values.pop("version", None))
        merged = {
            name: (values[name] or "") if name in values else getattr(reflection, name)
            for name in ("rating", "agreement", "rationale")
        }
        try:
            saved = reflection_writes.save_reflection(
                reflection, by=request.user, expected_version=version, **merged
            )
        except StaleWrite as error:
            raise StaleConflict(error, self._current(reflection.pk)) from None
        except reflection_writes.ReflectionsClosed as error:
            raise Conflict(str(error), code="not_editable") from None
        except Invalid as error:
            raise refused(error) from None
        return with_etag(RestResponse(self._current(saved.pk)), saved.version)
