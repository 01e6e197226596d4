"""Agreed actions and report shares in the API.

- `actions`: the actions of the reviews whose actions the person reads (everyone who sees the
  review, and the commissioners of a body its report is shared with, who get no names). Filter
  by `review`, `service`, `status`, `overdue`. The lead reviewer adds, changes (with the version
  they started from, If-Match or `version`: 428 without it, 409 `stale` with `current` when
  someone saved a newer one) and removes them while the review is in drafting or the accuracy
  check; once the report is published, the service lead and staff contributors record progress
  (`POST /actions/{id}/progress/`). Progress on last cycle's actions given in a later review's
  self-assessment is `action-progress` (reviews/api/self_assessment.py); it shows here too, in
  each action's `progress`.
- `shares`: the shares of a review's report with commissioning bodies, for the host's service
  lead and the network's coordinators (with the revoked ones), and for the body's commissioners
  (the live ones). The service lead shares (`POST /shares/`) and stops sharing
  (`POST /shares/{id}/revoke/`).

Every write goes through reviews/report/actions.py or reviews/report/sharing.py, as on the
pages: who may not write gets 403, a review at a stage that does not allow it 409
`not_editable`, input the rules refuse 400 with field errors. An object the person may not read
is 404.
"""

from django.db.models import BooleanField, ExpressionWrapper, Prefetch, Q
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response as RestResponse

from assurance.api.network import BodyRefSerializer, ServiceRefSerializer
from assurance.models import CommissioningBody
from assurance.permissions import objects_for_user
from assurance.rest import Conflict, IdFilter, problem_responses
from reviews import self_assessment
from reviews.api.cycle import MAX_VERSION, CycleRefSerializer, PersonRefSerializer
from reviews.api.findings import KIND_ORDER, FindingKindField
from reviews.api.self_assessment import (
    IF_MATCH,
    ActionStatusField,
    StaleConflict,
    StandardRefSerializer,
    expected_version,
    with_etag,
)
from reviews.models import Action, ActionProgress, Finding, ReportShare, Review
from reviews.permissions import visible_reviews
from reviews.report import actions as action_writes
from reviews.report import sharing
from standards.models import Standard


def refused(error: Exception) -> Exception:
    """The API error for a refusal of the write paths (but a stale write)."""
    if isinstance(error, action_writes.ActionsClosed | sharing.SharingClosed):
        return Conflict(str(error), code="not_editable")
    return exceptions.ValidationError({name: [message] for name, message in error.errors.items()})


def _viewed(reviews) -> ExpressionWrapper:
    """True for rows whose review is among `reviews` (ids)."""
    return ExpressionWrapper(Q(review__in=reviews), output_field=BooleanField())


# Actions -------------------------------------------------------------------------------------


class ActionFindingSerializer(serializers.ModelSerializer):
    kind = FindingKindField(read_only=True)

    class Meta:
        model = Finding
        fields = ["id", "kind", "title"]


class ActionProgressNoteSerializer(serializers.ModelSerializer):
    status = ActionStatusField(read_only=True)
    by = PersonRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ActionProgress
        fields = ["id", "review", "status", "note", "by", "at"]
        read_only_fields = fields


class ActionSerializer(serializers.ModelSerializer):
    status = ActionStatusField(read_only=True)
    overdue = serializers.BooleanField(
        source="is_late",
        read_only=True,
        help_text="Open, past its due date, and the report is published.",
    )
    findings = ActionFindingSerializer(many=True, read_only=True)
    standards = StandardRefSerializer(many=True, read_only=True)
    progress = ActionProgressNoteSerializer(
        many=True,
        read_only=True,
        help_text="Dated progress notes, oldest first. `by` is null for commissioners.",
    )

    class Meta:
        model = Action
        fields = [
            "id",
            "review",
            "title",
            "detail",
            "owner_role",
            "due_on",
            "status",
            "dropped_reason",
            "overdue",
            "findings",
            "standards",
            "progress",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not getattr(instance, "names_shown", False):
            for note in data["progress"]:
                note["by"] = None
        return data


class ActionWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=action_writes.TITLE_MAX)
    detail = serializers.CharField(
        required=False, allow_blank=True, max_length=action_writes.DETAIL_MAX
    )
    owner_role = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=action_writes.OWNER_MAX,
        help_text="A role, not a name, e.g. “Service lead”.",
    )
    due_on = serializers.DateField(required=False, allow_null=True)
    findings = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_VERSION),
        required=False,
        max_length=200,
        help_text="Ids of findings of the review.",
    )
    standards = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_VERSION),
        required=False,
        max_length=500,
        help_text="Ids of standards of the review's framework version.",
    )


class ActionCreateSerializer(ActionWriteSerializer):
    review = serializers.PrimaryKeyRelatedField(queryset=Review.objects.none())

    def get_fields(self):
        fields = super().get_fields()
        user = getattr(self.context.get("request"), "user", None)
        if user is not None:
            fields["review"].queryset = visible_reviews(user)
        return fields


class ActionUpdateSerializer(ActionWriteSerializer):
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_VERSION,
        help_text="The version you started from (or send it in If-Match).",
    )


class ProgressCreateSerializer(serializers.Serializer):
    status = ActionStatusField(help_text="Where the action stands now.")
    note = serializers.CharField(max_length=action_writes.NOTE_MAX)
    dropped_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=action_writes.REASON_MAX,
        help_text="Why it was dropped: needed when `status` is `dropped`.",
    )


class ActionFilter(filters.FilterSet):
    review = IdFilter(field_name="review_id")
    service = IdFilter(field_name="review__service_id")
    status = filters.ChoiceFilter(choices=Action.Status.choices)
    overdue = filters.BooleanFilter(
        method="filter_overdue",
        label="Only the overdue actions (true) or only the others (false).",
    )

    class Meta:
        model = Action
        fields = ["review", "service", "status", "overdue"]

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(is_late=value)


@extend_schema_view(
    retrieve=extend_schema(description="One action, with its `version` as the `ETag`."),
    create=extend_schema(
        request=ActionCreateSerializer,
        responses={201: ActionSerializer, **problem_responses(409)},
        description=(
            "Add an action to a review: its lead reviewer (else 403), while the review is in "
            "drafting or the accuracy check (else 409 `not_editable`). Findings must be of the "
            "review and standards of its framework version (else 400)."
        ),
    ),
    partial_update=extend_schema(
        request=ActionUpdateSerializer(partial=True),
        responses={200: ActionSerializer, **problem_responses(409, 428)},
        parameters=[IF_MATCH],
        description=(
            "Change an action's title, detail, owner role, due date, findings or standards: the "
            "lead reviewer, while the actions are open (403, 409 `not_editable`). Send the "
            "version you started from (If-Match or `version`; without it 428); if someone saved "
            "a newer one: 409 `stale`, with `current`."
        ),
    ),
    destroy=extend_schema(
        responses={204: None, **problem_responses(409)},
        description=(
            "Remove an action: the lead reviewer (else 403), while the actions are open (else "
            "409 `not_editable`)."
        ),
    ),
)
class ActionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The agreed actions of the reviews whose actions you read, each with its linked findings
    and standards and its dated progress. Filter by `review`, `service`, `status` or
    `overdue=true`."""

    serializer_class = ActionSerializer
    filterset_class = ActionFilter

    def get_queryset(self):
        user = self.request.user
        today = timezone.localdate()
        return (
            Action.objects.filter(review__in=action_writes.readable_reviews(user))
            .annotate(
                names_shown=_viewed(visible_reviews(user, Review.objects.all()).values("pk")),
                is_late=ExpressionWrapper(
                    Q(
                        status__in=Action.OPEN,
                        due_on__lt=today,
                        review__status__in=action_writes.AGREED_STAGES,
                    ),
                    output_field=BooleanField(),
                ),
            )
            .prefetch_related(
                Prefetch(
                    "findings",
                    queryset=Finding.objects.annotate(kind_order=KIND_ORDER).order_by(
                        "kind_order", "order", "pk"
                    ),
                ),
                Prefetch(
                    "standards",
                    queryset=Standard.objects.select_related("domain").order_by(
                        "domain__order", "order"
                    ),
                ),
                Prefetch(
                    "progress",
                    queryset=ActionProgress.objects.select_related("by").order_by("at", "pk"),
                ),
            )
            .order_by("review_id", *action_writes.DUE_ORDER)
        )

    def _current(self, pk: int) -> dict:
        return ActionSerializer(self.get_queryset().get(pk=pk)).data

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        return with_etag(response, response.data["version"])

    def create(self, request):
        serializer = ActionCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        review = values.pop("review")
        try:
            created = action_writes.add_action(review, by=request.user, **values)
        except (action_writes.ActionsClosed, self_assessment.Invalid) as error:
            raise refused(error) from None
        body = self._current(created.pk)
        return with_etag(RestResponse(body, status=status.HTTP_201_CREATED), created.version)

    def partial_update(self, request, pk=None):
        found = self.get_object()
        try:
            action_writes.check_may_draft(found.review, request.user)
        except action_writes.ActionsClosed as error:
            raise refused(error) from None
        serializer = ActionUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        version = expected_version(request, values.pop("version", None))
        try:
            saved = action_writes.update_action(
                found, by=request.user, expected_version=version, **values
            )
        except self_assessment.StaleWrite as error:
            raise StaleConflict(error, self._current(found.pk)) from None
        except (action_writes.ActionsClosed, self_assessment.Invalid) as error:
            raise refused(error) from None
        return with_etag(RestResponse(self._current(saved.pk)), saved.version)

    def destroy(self, request, pk=None):
        found = self.get_object()
        try:
            action_writes.remove_action(found, by=request.user)
        except action_writes.ActionsClosed as error:
            raise refused(error) from None
        return RestResponse(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=ProgressCreateSerializer,
        responses={201: ActionSerializer, **problem_responses(409)},
        description=(
            "Record progress on an action of a published report: the service lead and staff "
            "contributors (else 403), while the review is published (else 409 `not_editable`; "
            "once it is closed, progress is given in the next review's self-assessment through "
            "`action-progress`). A dropped action needs a `dropped_reason` (else 400). Answers "
            "with the action and all its progress."
        ),
    )
    @action(detail=True, methods=["post"], url_path="progress", url_name="record-progress")
    def record_progress(self, request, pk=None):
        found = self.get_object()
        try:
            action_writes.check_may_record_progress(found.review, request.user)
        except action_writes.ActionsClosed as error:
            raise refused(error) from None
        serializer = ProgressCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            action_writes.record_progress(found, by=request.user, **serializer.validated_data)
        except (action_writes.ActionsClosed, self_assessment.Invalid) as error:
            raise refused(error) from None
        return RestResponse(self._current(found.pk), status=status.HTTP_201_CREATED)


# Shares --------------------------------------------------------------------------------------


class ReviewOfShareSerializer(serializers.ModelSerializer):
    service = ServiceRefSerializer(read_only=True)
    cycle = CycleRefSerializer(read_only=True)

    class Meta:
        model = Review
        fields = ["id", "service", "cycle"]


class ShareSerializer(serializers.ModelSerializer):
    review = ReviewOfShareSerializer(read_only=True)
    body = BodyRefSerializer(read_only=True)
    granted_by = PersonRefSerializer(
        read_only=True, allow_null=True, help_text="Null for commissioners."
    )
    revoked_by = PersonRefSerializer(read_only=True, allow_null=True)
    live = serializers.BooleanField(source="is_live", read_only=True)

    class Meta:
        model = ReportShare
        fields = [
            "id",
            "review",
            "body",
            "live",
            "granted_by",
            "granted_at",
            "revoked_by",
            "revoked_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not getattr(instance, "host_side", False):
            data["granted_by"] = data["revoked_by"] = None
        return data


class ShareCreateSerializer(serializers.Serializer):
    review = serializers.PrimaryKeyRelatedField(queryset=Review.objects.none())
    body = serializers.PrimaryKeyRelatedField(
        queryset=CommissioningBody.objects.none(),
        help_text="A commissioning body of the review's network.",
    )

    def get_fields(self):
        fields = super().get_fields()
        user = getattr(self.context.get("request"), "user", None)
        if user is not None:
            reviews = visible_reviews(user, Review.objects.all())
            fields["review"].queryset = reviews
            fields["body"].queryset = CommissioningBody.objects.filter(
                network__services__reviews__in=reviews.values("pk")
            ).distinct()
        return fields


class ShareFilter(filters.FilterSet):
    review = IdFilter(field_name="review_id")
    body = IdFilter(field_name="body_id")
    live = filters.BooleanFilter(field_name="revoked_at", lookup_expr="isnull")

    class Meta:
        model = ReportShare
        fields = ["review", "body", "live"]


def _host_side_reviews(user):
    """The reviews whose shares `user` manages or oversees: the host's service lead and the
    network's coordinators."""
    return Review.objects.filter(
        Q(pk__in=objects_for_user(user, "reviews.submit_review", Review.objects.all()))
        | Q(pk__in=objects_for_user(user, "reviews.manage_review", Review.objects.all()))
    ).values("pk")


@extend_schema_view(
    create=extend_schema(
        request=ShareCreateSerializer,
        responses={201: ShareSerializer, **problem_responses(409)},
        description=(
            "Share a review's published report with a commissioning body of its network: the "
            "host's service lead (else 403), once the report is published (else 409 "
            "`not_editable`); one live share per body (else 400). The body's commissioners are "
            "told by e-mail."
        ),
    ),
)
class ShareViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Shares of reports with commissioning bodies: every share (live and revoked) of the
    reviews you lead the host service of or coordinate, and the live shares with the bodies you
    commission for. Filter by `review`, `body` or `live`."""

    serializer_class = ShareSerializer
    filterset_class = ShareFilter

    def get_queryset(self):
        user = self.request.user
        host_side = _host_side_reviews(user)
        return (
            ReportShare.objects.filter(
                Q(review__in=host_side) | Q(pk__in=sharing.live_shares(user).values("pk"))
            )
            .annotate(host_side=_viewed(host_side))
            .select_related("review__service", "review__cycle", "body", "granted_by", "revoked_by")
            .order_by("-granted_at", "-pk")
        )

    def _current(self, pk: int, *, created: bool = False) -> RestResponse:
        body = ShareSerializer(self.get_queryset().get(pk=pk)).data
        return RestResponse(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def create(self, request):
        serializer = ShareCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            share = sharing.share_report(data["review"], data["body"], by=request.user)
        except (sharing.SharingClosed, self_assessment.Invalid) as error:
            raise refused(error) from None
        return self._current(share.pk, created=True)

    @extend_schema(
        request=None,
        responses={200: ShareSerializer, **problem_responses(409)},
        description=(
            "Stop sharing: the host's service lead (else 403). The body's commissioners lose "
            "access to the report at once; the share stays listed as revoked. A share already "
            "revoked: 409."
        ),
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        share = self.get_object()
        try:
            sharing.revoke_share(share, by=request.user)
        except self_assessment.Invalid as error:
            raise Conflict(" ".join(error.errors.values()), code="already_revoked") from None
        return self._current(share.pk)
