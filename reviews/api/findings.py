"""Findings, the reviewers' summary and safeguarding notes in the API.

- `findings`: the findings of the reviews whose team work the person reads (the review team and
  the network's coordinators); the lead reviewer adds, changes, moves and removes them while the
  review is in `TEAM_WRITING`.
- `reviewers-summaries`: one per review, addressed by the review's id. Created once (POST, or
  PUT without a version); changed with the version the client started from (If-Match or
  `version`): 428 without it, 409 `stale` with `current` when someone saved a newer one.
- `safeguarding-notes`: only the notes the person may read (the lead reviewer, the network's
  coordinators and the host's service lead read a review's notes; a reviewer reads the ones they
  raised). Reviewers on the team raise them; the readers who follow them up change their status.

Every write goes through reviews/peer_review/findings.py or reviews/peer_review/safeguarding.py,
as on the pages: who may not write gets 403, a review at a stage that does not allow it 409
`not_editable`, input the rules refuse 400 with field errors. An object the person may not read
is 404.
"""

from django.db.models import Case, Prefetch, Value, When
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response as RestResponse

from assurance.rest import Conflict, IdFilter, problem_responses
from reviews import self_assessment
from reviews.api.cycle import MAX_VERSION, PersonRefSerializer, named_choice_field
from reviews.api.self_assessment import (
    IF_MATCH,
    StaleConflict,
    StandardRefSerializer,
    expected_version,
    with_etag,
)
from reviews.models import Finding, Review, ReviewersSummary, SafeguardingNote
from reviews.peer_review import findings as finding_writes
from reviews.peer_review import safeguarding as safeguarding_writes
from reviews.peer_review import team_work_reviews, visible_safeguarding_notes
from reviews.permissions import visible_reviews
from standards.models import Domain, Standard

FindingKindField = named_choice_field("FindingKindEnum", Finding.Kind.choices)
SafeguardingStatusField = named_choice_field(
    "SafeguardingStatusEnum", SafeguardingNote.Status.choices
)


def refused(error: Exception) -> Exception:
    """The API error for a refusal of the write paths (but a stale write)."""
    if isinstance(error, finding_writes.FindingsClosed | safeguarding_writes.SafeguardingClosed):
        return Conflict(str(error), code="not_editable")
    return exceptions.ValidationError({name: [message] for name, message in error.errors.items()})


def visible_review_field() -> serializers.PrimaryKeyRelatedField:
    """A review of the caller's: one they cannot see is an unknown id (400); one they see but
    may not write to is refused by the write path (403)."""
    return serializers.PrimaryKeyRelatedField(queryset=Review.objects.none())


def _scope_review_field(serializer: serializers.Serializer, fields: dict) -> dict:
    user = getattr(serializer.context.get("request"), "user", None)
    if user is not None and "review" in fields:
        fields["review"].queryset = visible_reviews(user)
    return fields


# Findings -------------------------------------------------------------------------------------


class FindingDomainSerializer(serializers.ModelSerializer):
    class Meta:
        model = Domain
        fields = ["id", "code", "name"]


class FindingSerializer(serializers.ModelSerializer):
    kind = FindingKindField(read_only=True)
    standards = StandardRefSerializer(many=True, read_only=True)
    domains = FindingDomainSerializer(many=True, read_only=True)
    order = serializers.IntegerField(
        read_only=True, help_text="Its place among the review's findings of its kind, from 0."
    )
    started_from = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="The comment it grew from, if any."
    )
    created_by = PersonRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Finding
        fields = [
            "id",
            "review",
            "kind",
            "title",
            "body",
            "standards",
            "domains",
            "order",
            "agreed_with_host",
            "started_from",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class FindingWriteSerializer(serializers.Serializer):
    kind = FindingKindField()
    title = serializers.CharField(max_length=finding_writes.TITLE_MAX)
    body = serializers.CharField(
        required=False, allow_blank=True, max_length=finding_writes.BODY_MAX
    )
    standards = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_VERSION),
        required=False,
        max_length=500,
        help_text="Ids of standards of the review's framework version.",
    )
    domains = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_VERSION),
        required=False,
        max_length=100,
        help_text="Ids of domains of the review's framework version.",
    )


class FindingCreateSerializer(FindingWriteSerializer):
    review = visible_review_field()
    started_from = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_VERSION,
        help_text="The id of a comment on this review that you can read, if the finding grows "
        "from one.",
    )

    def get_fields(self):
        return _scope_review_field(self, super().get_fields())


class FindingMoveSerializer(serializers.Serializer):
    direction = serializers.ChoiceField(
        choices=finding_writes.DIRECTIONS,
        help_text="`up` swaps it with the finding before it, `down` with the one after.",
    )


class FindingFilter(filters.FilterSet):
    review = IdFilter(field_name="review_id")
    kind = filters.ChoiceFilter(choices=Finding.Kind.choices)

    class Meta:
        model = Finding
        fields = ["review", "kind"]


KIND_ORDER = Case(
    *(When(kind=kind, then=Value(index)) for index, kind in enumerate(Finding.Kind.values)),
    default=Value(len(Finding.Kind.values)),
)


@extend_schema_view(
    create=extend_schema(
        request=FindingCreateSerializer,
        responses={201: FindingSerializer, **problem_responses(409)},
        description=(
            "Add a finding, last among its kind: the review's lead reviewer (else 403), while "
            "the review is in peer review or drafting (else 409 `not_editable`). Standards and "
            "domains must be of the review's framework version, and `started_from` a comment on "
            "the review you can read (else 400)."
        ),
    ),
    partial_update=extend_schema(
        request=FindingWriteSerializer(partial=True),
        responses={200: FindingSerializer, **problem_responses(409)},
        description=(
            "Change a finding's kind, title, body, standards or domains (the lead reviewer, "
            "else 403, while the findings are open, else 409 `not_editable`). A finding given "
            "another kind goes last there."
        ),
    ),
    destroy=extend_schema(
        responses={204: None, **problem_responses(409)},
        description=(
            "Remove a finding (the lead reviewer, else 403, while the findings are open, else "
            "409 `not_editable`)."
        ),
    ),
)
class FindingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The findings of the reviews whose team work you read, by review, kind (strengths, even
    better ifs, areas for development, learning to share) and order. Filter by `review`."""

    serializer_class = FindingSerializer
    filterset_class = FindingFilter

    def get_queryset(self):
        return (
            Finding.objects.filter(review__in=team_work_reviews(self.request.user))
            .select_related("created_by")
            .prefetch_related(
                Prefetch(
                    "standards",
                    queryset=Standard.objects.select_related("domain").order_by(
                        "domain__order", "order"
                    ),
                ),
                Prefetch("domains", queryset=Domain.objects.order_by("order")),
            )
            .annotate(kind_order=KIND_ORDER)
            .order_by("review_id", "kind_order", "order", "pk")
        )

    def _current(self, pk: int, *, created: bool = False) -> RestResponse:
        body = FindingSerializer(self.get_queryset().get(pk=pk)).data
        return RestResponse(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def create(self, request):
        serializer = FindingCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        review = values.pop("review")
        try:
            finding = finding_writes.add_finding(review, by=request.user, **values)
        except (finding_writes.FindingsClosed, self_assessment.Invalid) as error:
            raise refused(error) from None
        return self._current(finding.pk, created=True)

    def partial_update(self, request, pk=None):
        finding = self.get_object()
        serializer = FindingWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        try:
            finding_writes.update_finding(finding, by=request.user, **serializer.validated_data)
        except (finding_writes.FindingsClosed, self_assessment.Invalid) as error:
            raise refused(error) from None
        return self._current(finding.pk)

    def destroy(self, request, pk=None):
        finding = self.get_object()
        try:
            finding_writes.remove_finding(finding, by=request.user)
        except finding_writes.FindingsClosed as error:
            raise refused(error) from None
        return RestResponse(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=FindingMoveSerializer,
        responses={200: FindingSerializer, **problem_responses(409)},
        description=(
            "Move a finding up or down among its kind, swapping it with its neighbour (the "
            "lead reviewer, while the findings are open). The first going up, or the last going "
            "down, stays where it is."
        ),
    )
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        finding = self.get_object()
        serializer = FindingMoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            finding_writes.move_finding(
                finding, by=request.user, direction=serializer.validated_data["direction"]
            )
        except (finding_writes.FindingsClosed, self_assessment.Invalid) as error:
            raise refused(error) from None
        return self._current(finding.pk)


# The reviewers' summary ---------------------------------------------------------------------


class ReviewersSummarySerializer(serializers.ModelSerializer):
    updated_by = PersonRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ReviewersSummary
        fields = ["review", "text", "version", "updated_by", "updated_at"]
        read_only_fields = fields


class SummaryWriteSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, max_length=finding_writes.SUMMARY_MAX)
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_VERSION,
        help_text="The version you started from (or send it in If-Match).",
    )


class SummaryCreateSerializer(serializers.Serializer):
    review = visible_review_field()
    text = serializers.CharField(allow_blank=True, max_length=finding_writes.SUMMARY_MAX)

    def get_fields(self):
        return _scope_review_field(self, super().get_fields())


REVIEW_PATH = OpenApiParameter(
    "review", OpenApiTypes.INT, OpenApiParameter.PATH, description="The review's id."
)


class SummaryFilter(filters.FilterSet):
    review = IdFilter(field_name="review_id")

    class Meta:
        model = ReviewersSummary
        fields = ["review"]


@extend_schema_view(
    retrieve=extend_schema(
        parameters=[REVIEW_PATH],
        description="A review's summary, with its `version` as the `ETag`.",
    ),
    create=extend_schema(
        request=SummaryCreateSerializer,
        responses={201: ReviewersSummarySerializer, **problem_responses(409)},
        description=(
            "Write a review's first summary: the lead reviewer (else 403), while the review is "
            "in peer review or drafting (else 409 `not_editable`). If there is one already: "
            "409 `stale`, with `current`."
        ),
    ),
    update=extend_schema(
        request=SummaryWriteSerializer,
        responses={
            200: ReviewersSummarySerializer,
            201: ReviewersSummarySerializer,
            **problem_responses(409),
        },
        parameters=[REVIEW_PATH, IF_MATCH],
        description=(
            "Write the summary of the review with this id. Without a version, it creates the "
            "first one (201; if there is one already, 409 `stale` with `current`); with the "
            "version you started from, it changes it (200; 409 `stale` if someone saved a "
            "newer one)."
        ),
    ),
    partial_update=extend_schema(
        request=SummaryWriteSerializer,
        responses={200: ReviewersSummarySerializer, **problem_responses(409, 428)},
        parameters=[REVIEW_PATH, IF_MATCH],
        description=(
            "Change the summary, with the version you started from (If-Match or `version`; "
            "without it 428; 409 `stale` with `current` if someone saved a newer one)."
        ),
    ),
)
class ReviewersSummaryViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The reviewers' summaries of the reviews whose team work you read, addressed by the
    review's id."""

    serializer_class = ReviewersSummarySerializer
    filterset_class = SummaryFilter
    lookup_field = "review"
    # Ids past 64 bits never match: the database would refuse to compare them.
    lookup_value_regex = "[0-9]{1,18}"

    def get_queryset(self):
        return (
            ReviewersSummary.objects.filter(review__in=team_work_reviews(self.request.user))
            .select_related("updated_by")
            .order_by("review_id")
        )

    def _current(self, review_id: int) -> dict:
        return ReviewersSummarySerializer(self.get_queryset().get(review_id=review_id)).data

    def _save(self, review: Review, version: int | None, text: str, *, created: bool):
        try:
            saved = finding_writes.save_summary(
                review, by=self.request.user, expected_version=version, text=text
            )
        except self_assessment.StaleWrite as error:
            raise StaleConflict(error, self._current(review.pk)) from None
        except (finding_writes.FindingsClosed, self_assessment.Invalid) as error:
            raise refused(error) from None
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return with_etag(RestResponse(self._current(review.pk), status=code), saved.version)

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        return with_etag(response, response.data["version"])

    def create(self, request):
        serializer = SummaryCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        review = serializer.validated_data["review"]
        return self._save(review, None, serializer.validated_data["text"], created=True)

    def update(self, request, review=None):
        target = get_object_or_404(visible_reviews(request.user), pk=review)
        serializer = SummaryWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        version = None  # no version at all: this is the first summary
        if "If-Match" in request.headers or data.get("version") is not None:
            version = expected_version(request, data.get("version"))
        exists = ReviewersSummary.objects.filter(review=target).exists()
        return self._save(target, version, data["text"], created=not exists and version is None)

    def partial_update(self, request, review=None):
        summary = self.get_object()
        serializer = SummaryWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = expected_version(request, serializer.validated_data.get("version"))
        return self._save(summary.review, version, serializer.validated_data["text"], created=False)


# Safeguarding notes ---------------------------------------------------------------------------


class SafeguardingNoteSerializer(serializers.ModelSerializer):
    raised_by = PersonRefSerializer(read_only=True, allow_null=True)
    status = SafeguardingStatusField(read_only=True)
    updated_by = PersonRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = SafeguardingNote
        fields = [
            "id",
            "review",
            "raised_by",
            "summary",
            "raised_to",
            "status",
            "status_note",
            "created_at",
            "updated_by",
            "updated_at",
        ]
        read_only_fields = fields


class SafeguardingCreateSerializer(serializers.Serializer):
    review = visible_review_field()
    summary = serializers.CharField(max_length=safeguarding_writes.SUMMARY_MAX)
    raised_to = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=safeguarding_writes.RAISED_TO_MAX,
        help_text="Who you have told, e.g. the service's safeguarding lead, in person.",
    )

    def get_fields(self):
        return _scope_review_field(self, super().get_fields())


class SafeguardingUpdateSerializer(serializers.Serializer):
    status = SafeguardingStatusField(required=False)
    status_note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=safeguarding_writes.STATUS_NOTE_MAX,
        help_text="What has happened since. Left out: unchanged.",
    )


class SafeguardingFilter(filters.FilterSet):
    review = IdFilter(field_name="review_id")
    status = filters.ChoiceFilter(choices=SafeguardingNote.Status.choices)

    class Meta:
        model = SafeguardingNote
        fields = ["review", "status"]


@extend_schema_view(
    create=extend_schema(
        request=SafeguardingCreateSerializer,
        responses={201: SafeguardingNoteSerializer, **problem_responses(409)},
        description=(
            "Raise a safeguarding concern: a reviewer on the review's team (else 403), while "
            "the review is between submitted and published (else 409 `not_editable`). The lead "
            "reviewer, the network's coordinators and the service lead are told by e-mail that "
            "there is a note, never what it says."
        ),
    ),
    partial_update=extend_schema(
        request=SafeguardingUpdateSerializer,
        responses={200: SafeguardingNoteSerializer},
        description=(
            "Say where a concern stands now: the lead reviewer, the network's coordinators and "
            "the service lead (else 403)."
        ),
    ),
)
class SafeguardingNoteViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The safeguarding notes you may read: all of a review's for its lead reviewer, the
    network's coordinators and the service lead; for any other reviewer, the ones they raised.
    Nobody else sees any, nor learns that they exist."""

    serializer_class = SafeguardingNoteSerializer
    filterset_class = SafeguardingFilter

    def get_queryset(self):
        return (
            visible_safeguarding_notes(self.request.user)
            .select_related("raised_by", "updated_by")
            .order_by("-created_at", "-pk")
        )

    def _current(self, pk: int, *, created: bool = False) -> RestResponse:
        body = SafeguardingNoteSerializer(self.get_queryset().get(pk=pk)).data
        return RestResponse(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def create(self, request):
        serializer = SafeguardingCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        review = values.pop("review")
        try:
            note = safeguarding_writes.raise_note(review, by=request.user, **values)
        except (safeguarding_writes.SafeguardingClosed, self_assessment.Invalid) as error:
            raise refused(error) from None
        return self._current(note.pk, created=True)

    def partial_update(self, request, pk=None):
        note = self.get_object()
        serializer = SafeguardingUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            safeguarding_writes.update_note(
                note,
                by=request.user,
                status=data.get("status", note.status),
                status_note=data.get("status_note", note.status_note),
            )
        except self_assessment.Invalid as error:
            raise refused(error) from None
        return self._current(note.pk)
