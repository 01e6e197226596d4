"""The self-assessment in the API: responses, perspectives, and progress on last cycle's actions.

Every write goes through reviews/self_assessment.py, as on the pages, and carries the version
the client started from, in an `If-Match: "<version>"` header or a `version` field:

- no version: 428 `version_required`;
- a newer version saved meanwhile: 409 `stale`, with the stored object as `current` so the
  client can show both texts and merge (nothing is silently overwritten);
- a review past self-assessment: 409 `not_editable`;
- input the rules refuse: 400 with field errors.

Reads and writes send the object's version as its `ETag`.
"""

import re

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.response import Response as RestResponse

from assurance.rest import Conflict, IdFilter, problem_responses
from reviews import self_assessment
from reviews.api.cycle import (
    MAX_VERSION,
    PersonRefSerializer,
    ReviewPolicyPermission,
    named_choice_field,
    require_review_perm,
)
from reviews.models import Action, ActionProgress, Perspective, Rating, Response, Review
from reviews.permissions import may_change_perspective, visible_reviews
from standards.models import Standard

RatingField = named_choice_field("RatingEnum", Rating.choices)
VoiceField = named_choice_field("VoiceEnum", Perspective.Voice.choices)
MethodField = named_choice_field("PerspectiveMethodEnum", Perspective.Method.choices)
ActionStatusField = named_choice_field("ActionStatusEnum", Action.Status.choices)


# Versions: If-Match, ETag and the errors of an optimistic write --------------------------------

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description='The version you started from, e.g. `"3"` (as the `ETag` you read); or send '
    "`version` in the body.",
)
_ENTITY_TAG = re.compile(r'(?:W/)?"?([0-9]{1,10})"?')


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_code = "version_required"
    default_detail = _(
        "Send the version you started from, in an If-Match header or a `version` field."
    )


class StaleConflict(Conflict):
    """Someone saved a newer version first: 409 `stale`, with what is stored now."""

    def __init__(self, error: self_assessment.StaleWrite, current: dict):
        super().__init__(str(error), code="stale")
        self.extra = {"current": current}


def expected_version(request, body_version: int | None) -> int:
    """The version the client started from, from If-Match (quotes and W/ tolerated) or the body."""
    header = request.headers.get("If-Match", "").strip()
    header_version = None
    if header:
        match = _ENTITY_TAG.fullmatch(header)
        if match is None or int(match.group(1)) > MAX_VERSION:
            raise exceptions.ValidationError(
                {"version": [_('If-Match must name one version, e.g. "3".')]}
            )
        header_version = int(match.group(1))
    if header_version is not None and body_version is not None and header_version != body_version:
        raise exceptions.ValidationError(
            {"version": [_("The If-Match header and the version field disagree.")]}
        )
    version = header_version if header_version is not None else body_version
    if version is None:
        raise PreconditionRequired()
    return version


def with_etag(response: RestResponse, version: int) -> RestResponse:
    response["ETag"] = f'"{version}"'
    return response


def refused(error: Exception) -> Exception:
    """The API error for a refusal of reviews/self_assessment.py (but a stale write)."""
    if isinstance(error, self_assessment.NotEditable):
        return Conflict(str(error), code="not_editable")
    return exceptions.ValidationError({name: [message] for name, message in error.errors.items()})


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_VERSION,
        help_text="The version you started from (or send it in If-Match).",
    )


# Serializers ----------------------------------------------------------------------------------


class StandardRefSerializer(serializers.ModelSerializer):
    domain = serializers.CharField(source="domain.code", read_only=True)

    class Meta:
        model = Standard
        fields = ["id", "code", "title", "domain"]


class PerspectiveSerializer(serializers.ModelSerializer):
    """A voice on a response. Who wrote it is left out, as on the pages: a perspective in the
    voice of people who use the service could otherwise show who has lived experience."""

    voice = VoiceField(read_only=True)
    method = MethodField(read_only=True)

    class Meta:
        model = Perspective
        fields = [
            "id",
            "response",
            "voice",
            "text",
            "people_count",
            "method",
            "co_produced",
            "carried",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ResponseSerializer(serializers.ModelSerializer):
    standard = StandardRefSerializer(read_only=True)
    rating = RatingField(read_only=True, allow_null=True, help_text="null: no view given yet.")
    answered = serializers.BooleanField(
        source="is_answered",
        read_only=True,
        help_text="A view, and for not applicable a reason: what submitting needs.",
    )
    updated_by = PersonRefSerializer(read_only=True, allow_null=True)
    perspectives = PerspectiveSerializer(many=True, read_only=True)

    class Meta:
        model = Response
        fields = [
            "id",
            "review",
            "standard",
            "rating",
            "narrative",
            "development_ideas",
            "not_applicable_reason",
            "answered",
            "carried",
            "version",
            "updated_by",
            "updated_at",
            "perspectives",
        ]
        read_only_fields = fields


class ResponseUpdateSerializer(VersionSerializer):
    """The fields sent are changed; the others keep their stored values."""

    rating = RatingField(
        required=False, allow_null=True, allow_blank=True, help_text="null clears the view."
    )
    narrative = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    development_ideas = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    not_applicable_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=5_000,
        help_text="Required when the rating is `not_applicable`.",
    )


class PerspectiveWriteSerializer(VersionSerializer):
    voice = VoiceField()
    text = serializers.CharField(max_length=20_000)
    people_count = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=100_000
    )
    method = MethodField()
    co_produced = serializers.BooleanField(required=False)


class PerspectiveCreateSerializer(PerspectiveWriteSerializer):
    """A new voice on one response. A response of a review you cannot see is an unknown id."""

    version = None
    response = serializers.PrimaryKeyRelatedField(queryset=Response.objects.none())

    def get_fields(self):
        fields = super().get_fields()
        user = getattr(self.context.get("request"), "user", None)
        if user is not None:
            fields["response"].queryset = Response.objects.filter(
                review__in=visible_reviews(user)
            ).select_related("review")
        return fields


class ActionRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Action
        fields = ["id", "title"]


class ActionProgressSerializer(serializers.ModelSerializer):
    action = ActionRefSerializer(read_only=True)
    status = ActionStatusField(read_only=True)
    by = PersonRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ActionProgress
        fields = ["id", "review", "action", "note", "status", "by", "at"]
        read_only_fields = fields


class ActionProgressCreateSerializer(serializers.Serializer):
    """How one of last cycle's actions has gone, reported in this review."""

    review = serializers.PrimaryKeyRelatedField(queryset=Review.objects.none())
    action = serializers.PrimaryKeyRelatedField(
        queryset=Action.objects.none(), help_text="An action of the service's previous review."
    )
    note = serializers.CharField(max_length=5_000)
    status = ActionStatusField(help_text="Where the action stands now.")

    def get_fields(self):
        fields = super().get_fields()
        user = getattr(self.context.get("request"), "user", None)
        if user is not None:
            fields["review"].queryset = visible_reviews(user)
            fields["action"].queryset = Action.objects.filter(review__in=visible_reviews(user))
        return fields


# Filters --------------------------------------------------------------------------------------
# By plain id: an id the person cannot see gives an empty list, as one that does not exist.


class ResponseFilter(filters.FilterSet):
    review = IdFilter(field_name="review_id")
    standard = IdFilter(field_name="standard_id")

    class Meta:
        model = Response
        fields = ["review", "standard"]


class PerspectiveFilter(filters.FilterSet):
    review = IdFilter(field_name="response__review_id")
    response = IdFilter(field_name="response_id")
    voice = filters.ChoiceFilter(choices=Perspective.Voice.choices)

    class Meta:
        model = Perspective
        fields = ["review", "response", "voice"]


class ActionProgressFilter(filters.FilterSet):
    review = IdFilter(field_name="review_id")
    action = IdFilter(field_name="action_id")

    class Meta:
        model = ActionProgress
        fields = ["review", "action"]


# Viewsets -------------------------------------------------------------------------------------


@extend_schema_view(
    retrieve=extend_schema(description="One response, with its `version` as the `ETag`."),
    partial_update=extend_schema(
        request=ResponseUpdateSerializer,
        responses={200: ResponseSerializer, **problem_responses(409, 428)},
        parameters=[IF_MATCH],
        description=(
            "Change a response's rating and texts, for the people who write the self-assessment "
            "(else 403), while the review is in self-assessment (else 409 `not_editable`). "
            "Send the version you started from (If-Match or `version`; without it 428). If "
            "someone saved a newer one meanwhile: 409 `stale`, with `current`. Not applicable "
            "without a reason: 400."
        ),
    ),
)
class ResponseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A self-assessment's responses, one per standard, of the reviews the person can see.
    Filter by `review` to get one self-assessment, in the framework's order."""

    serializer_class = ResponseSerializer
    permission_classes = [ReviewPolicyPermission]
    review_perms = {"partial_update": "reviews.change_review"}
    filterset_class = ResponseFilter

    def review_of(self, response: Response) -> Review:
        return response.review

    def get_queryset(self):
        return (
            Response.objects.filter(review__in=visible_reviews(self.request.user))
            .select_related("review", "standard__domain", "updated_by")
            .prefetch_related("perspectives")
            .order_by("review_id", "standard__order", "pk")
        )

    def _current(self, pk: int) -> dict:
        return ResponseSerializer(self.get_queryset().get(pk=pk)).data

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        return with_etag(response, response.data["version"])

    def partial_update(self, request, pk=None):
        response = self.get_object()
        serializer = ResponseUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        version = expected_version(request, values.pop("version", None))
        try:
            saved = self_assessment.save_response(
                response, by=request.user, expected_version=version, **values
            )
        except self_assessment.StaleWrite as error:
            raise StaleConflict(error, self._current(response.pk)) from None
        except (self_assessment.NotEditable, self_assessment.Invalid) as error:
            raise refused(error) from None
        return with_etag(RestResponse(self._current(saved.pk)), saved.version)


@extend_schema_view(
    create=extend_schema(
        request=PerspectiveCreateSerializer,
        responses={201: PerspectiveSerializer, **problem_responses(409)},
        description=(
            "Add a voice to a response, for anyone in the service's team (else 403), while the "
            "review is in self-assessment (else 409 `not_editable`)."
        ),
    ),
    partial_update=extend_schema(
        request=PerspectiveWriteSerializer(partial=True),
        responses={200: PerspectiveSerializer, **problem_responses(409, 428)},
        parameters=[IF_MATCH],
        description=(
            "Change a perspective, with the version you started from (If-Match or `version`; "
            "without it 428; a stale one is 409 `stale` with `current`)."
        ),
    ),
    destroy=extend_schema(
        parameters=[IF_MATCH],
        responses={204: None, **problem_responses(409, 428)},
        description=(
            "Remove a perspective, with the version you started from in If-Match (or a "
            "`version` field); 428 without it, 409 `stale` with `current` if it changed."
        ),
    ),
)
class PerspectiveViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The voices on the responses of the reviews the person can see. Filter by `response` or
    `review`."""

    serializer_class = PerspectiveSerializer
    permission_classes = [ReviewPolicyPermission]
    review_perms = {
        "partial_update": "reviews.contribute_review",
        "destroy": "reviews.contribute_review",
    }
    filterset_class = PerspectiveFilter

    def review_of(self, perspective: Perspective) -> Review:
        return perspective.response.review

    def get_queryset(self):
        return (
            Perspective.objects.filter(response__review__in=visible_reviews(self.request.user))
            .select_related("response__review")
            .order_by("response_id", "voice", "created_at", "pk")
        )

    def _current(self, pk: int) -> dict:
        return PerspectiveSerializer(self.get_queryset().get(pk=pk)).data

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        return with_etag(response, response.data["version"])

    def create(self, request):
        serializer = PerspectiveCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        response = values.pop("response")
        require_review_perm(request.user, "reviews.contribute_review", response.review)
        try:
            perspective = self_assessment.add_perspective(response, by=request.user, **values)
        except (self_assessment.NotEditable, self_assessment.Invalid) as error:
            raise refused(error) from None
        body = self._current(perspective.pk)
        return with_etag(RestResponse(body, status=status.HTTP_201_CREATED), perspective.version)

    def partial_update(self, request, pk=None):
        perspective = self.get_object()
        if not may_change_perspective(request.user, perspective):
            raise exceptions.PermissionDenied(_("You can change only the perspectives you added."))
        serializer = PerspectiveWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        version = expected_version(request, values.pop("version", None))
        try:
            saved = self_assessment.update_perspective(
                perspective, by=request.user, expected_version=version, **values
            )
        except self_assessment.StaleWrite as error:
            raise StaleConflict(error, self._current(perspective.pk)) from None
        except (self_assessment.NotEditable, self_assessment.Invalid) as error:
            raise refused(error) from None
        return with_etag(RestResponse(self._current(saved.pk)), saved.version)

    def destroy(self, request, pk=None):
        perspective = self.get_object()
        if not may_change_perspective(request.user, perspective):
            raise exceptions.PermissionDenied(_("You can change only the perspectives you added."))
        serializer = VersionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = expected_version(request, serializer.validated_data.get("version"))
        try:
            self_assessment.remove_perspective(
                perspective, by=request.user, expected_version=version
            )
        except self_assessment.StaleWrite as error:
            raise StaleConflict(error, self._current(perspective.pk)) from None
        except self_assessment.NotEditable as error:
            raise refused(error) from None
        return RestResponse(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    create=extend_schema(
        request=ActionProgressCreateSerializer,
        responses={201: ActionProgressSerializer, **problem_responses(409)},
        description=(
            "Say how one of the previous review's actions has gone, as part of this review: "
            "every open action needs one before submitting. For the people who write the "
            "self-assessment (else 403), while it is in self-assessment (else 409 "
            "`not_editable`). An action of another review is a 400 field error."
        ),
    )
)
class ActionProgressViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Progress reported on last cycle's actions, in the reviews the person can see."""

    serializer_class = ActionProgressSerializer
    permission_classes = [ReviewPolicyPermission]
    review_perms = {}
    filterset_class = ActionProgressFilter

    def review_of(self, progress: ActionProgress) -> Review:
        return progress.review

    def get_queryset(self):
        return (
            ActionProgress.objects.filter(review__in=visible_reviews(self.request.user))
            .select_related("review", "action", "by")
            .order_by("review_id", "at", "pk")
        )

    def create(self, request):
        serializer = ActionProgressCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        review = data["review"]
        require_review_perm(request.user, "reviews.change_review", review)
        try:
            progress = self_assessment.record_action_progress(
                data["action"], review, by=request.user, note=data["note"], status=data["status"]
            )
        except (self_assessment.NotEditable, self_assessment.Invalid) as error:
            raise refused(error) from None
        body = ActionProgressSerializer(self.get_queryset().get(pk=progress.pk)).data
        return RestResponse(body, status=status.HTTP_201_CREATED)
