"""Cycles and reviews in the API: opening a cycle, enrolling a service, a review with its
progress and the moves open to the caller, its moves, its history and carry-forward.

Also the pieces reviews/api/self_assessment.py and reviews/api/evidence.py reuse: the scoping
of cycles, `ReviewPolicyPermission` (every right is the review's), the named enum fields and
the small reference serializers.

Cycles are opened and services enrolled through reviews/cycles.py, moves go through
`reviews.workflow.transition` and carry-forward through reviews/self_assessment.py: the same
functions the pages call.
"""

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, mixins, pagination, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response as RestResponse

from assurance.api.network import NetworkRefSerializer, ServiceRefSerializer, visible_services
from assurance.models import Network, Service, User
from assurance.permissions import (
    ObjectPolicyPermission,
    can,
    coordinated_networks,
    is_coordinator,
)
from assurance.rest import Conflict, IdFilter, problem_responses
from reviews import cycles, self_assessment, workflow
from reviews.cycle_forms import DATE_FIELDS, DATE_ORDER
from reviews.models import Cycle, Review, ReviewEvent
from reviews.permissions import REVIEW_QUERYSET, visible_reviews
from standards.models import FrameworkVersion

# Versions fit a 32-bit integer column; a larger number is bad input, not a 500.
MAX_VERSION = 2_147_483_647


# Scoping: what each person may see ------------------------------------------------------------


def visible_cycles(user: User) -> QuerySet:
    """Coordinators see their networks' cycles; anyone else the cycles of reviews they see."""
    return Cycle.objects.filter(
        Q(network__in=coordinated_networks(user))
        | Q(pk__in=visible_reviews(user).values("cycle_id"))
    )


# Permission classes ---------------------------------------------------------------------------


class ReviewPolicyPermission(ObjectPolicyPermission):
    """Reviews and what belongs to them: every right is the review's (reviews/permissions.py).

    The viewset says how to reach the review from its object (`review_of`) and which review
    permission each action needs (`review_perms`; `view_review` when not named). A review the
    person cannot see is 404; one they can see but may not do this to, 403.
    """

    def has_object_permission(self, request, view, obj) -> bool:
        review = view.review_of(obj)
        if not can(request.user, "reviews.view_review", review):
            raise Http404
        return can(request.user, view.review_perms.get(view.action, "reviews.view_review"), review)


def require_review_perm(user: User, perm: str, review: Review) -> None:
    """For writes that name their review in the body (its field only offers visible ones)."""
    if not can(user, perm, review):
        raise exceptions.PermissionDenied(_("You cannot make this change to the review."))


class CyclePermission(ObjectPolicyPermission):
    """Cycles carry no object permissions: seeing one is decided by `visible_cycles`; opening one
    and enrolling services need a coordinator of its network."""

    message = _("Only the network's coordinators can open cycles and enrol services.")

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        return view.action != "create" or is_coordinator(request.user)

    def has_object_permission(self, request, view, obj) -> bool:
        if view.action == "retrieve":
            return True  # it came from visible_cycles
        return can(request.user, "assurance.change_network", obj.network)


# Fields and reference serializers ---------------------------------------------------------------


def named_choice_field(component: str, choices) -> type[serializers.ChoiceField]:
    """A choice field whose OpenAPI enum has its own name: several models have a `status`, a
    `kind` or a `method`, and unnamed enums of the same field name collide in the schema."""

    @extend_schema_field(serializers.ChoiceField(choices=choices), component_name=component)
    class NamedChoiceField(serializers.ChoiceField):
        def __init__(self, **kwargs):
            super().__init__(choices=choices, **kwargs)

        def to_representation(self, value):
            # A blank choice ("none yet") reads as null: the schema can say "nullable" for a
            # named enum, but not "or blank".
            if value == "" and self.allow_null:
                return None
            return super().to_representation(value)

    NamedChoiceField.__name__ = NamedChoiceField.__qualname__ = component.replace("Enum", "Field")
    return NamedChoiceField


ReviewStatusField = named_choice_field("ReviewStatusEnum", Review.Status.choices)
CycleStatusField = named_choice_field("CycleStatusEnum", Cycle.Status.choices)


class PersonRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "name"]


class VersionRefSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)

    class Meta:
        model = FrameworkVersion
        fields = ["id", "reference", "label"]


class CycleRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Cycle
        fields = ["id", "name"]


# Cycles ---------------------------------------------------------------------------------------


class CycleSerializer(serializers.ModelSerializer):
    network = NetworkRefSerializer(read_only=True)
    framework_versions = VersionRefSerializer(many=True, read_only=True)
    status = CycleStatusField(read_only=True)

    class Meta:
        model = Cycle
        fields = ["id", "name", "network", "framework_versions", *DATE_FIELDS, "status"]
        read_only_fields = fields


class CycleCreateSerializer(serializers.Serializer):
    """A new cycle. Dates left out come from the network's default timeline, counted from
    `opens_on` (today when it is left out too)."""

    network = serializers.PrimaryKeyRelatedField(queryset=Network.objects.none())
    name = serializers.CharField(max_length=100)
    framework_versions = serializers.PrimaryKeyRelatedField(
        many=True,
        allow_empty=False,
        queryset=FrameworkVersion.objects.filter(status=FrameworkVersion.Status.PUBLISHED),
        help_text="The framework versions services may enrol against (published ones only).",
    )
    opens_on = serializers.DateField(required=False)
    self_assessment_due = serializers.DateField(required=False)
    visits_from = serializers.DateField(required=False)
    visits_until = serializers.DateField(required=False)
    report_due = serializers.DateField(required=False)

    def get_fields(self):
        fields = super().get_fields()
        user = getattr(self.context.get("request"), "user", None)
        if user is not None:
            fields["network"].queryset = coordinated_networks(user)
        return fields

    def validate(self, attrs):
        network = attrs["network"]
        if Cycle.objects.filter(network=network, name__iexact=attrs["name"]).exists():
            raise serializers.ValidationError(
                {"name": [_("This network already has a cycle with this name.")]}
            )
        given = {name: attrs[name] for name in DATE_FIELDS if name in attrs}
        try:
            defaults = cycles.default_dates(network, given.get("opens_on", timezone.localdate()))
        except OverflowError:
            raise serializers.ValidationError(
                {"opens_on": [_("This date is too far in the future.")]}
            ) from None
        dates = {**defaults, **given}
        errors = {
            later: [message]
            for earlier, later, message in DATE_ORDER
            if dates[later] < dates[earlier]
        }
        if errors:
            raise serializers.ValidationError(errors)
        return {**attrs, **dates}


class EnrolSerializer(serializers.Serializer):
    service = serializers.PrimaryKeyRelatedField(
        queryset=Service.objects.none(),
        error_messages={"does_not_exist": _("Choose a service in this cycle's network.")},
    )
    framework_version = serializers.PrimaryKeyRelatedField(
        queryset=FrameworkVersion.objects.none(),
        error_messages={"does_not_exist": _("This cycle does not offer that framework version.")},
    )

    def get_fields(self):
        fields = super().get_fields()
        user = getattr(self.context.get("request"), "user", None)
        cycle = self.context.get("cycle")
        if user is not None and cycle is not None:
            fields["service"].queryset = visible_services(user).filter(
                network=cycle.network_id, active=True
            )
            fields["framework_version"].queryset = cycle.framework_versions.all()
        return fields


# Reviews --------------------------------------------------------------------------------------


class ReviewSerializer(serializers.ModelSerializer):
    cycle = CycleRefSerializer(read_only=True)
    service = ServiceRefSerializer(read_only=True)
    framework_version = VersionRefSerializer(read_only=True)
    status = ReviewStatusField(read_only=True)
    previous = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="The service's review in the cycle before."
    )

    class Meta:
        model = Review
        fields = [
            "id",
            "cycle",
            "service",
            "framework_version",
            "status",
            "version",
            "self_assessment_due",
            "previous",
            "carried_forward_at",
            "created_at",
        ]
        read_only_fields = fields


class VoiceCoverageSerializer(serializers.Serializer):
    """For each voice, how many standards have at least one perspective in it."""

    staff = serializers.IntegerField()
    people_using_service = serializers.IntegerField()
    families_carers = serializers.IntegerField()
    partners = serializers.IntegerField()


class ProgressSerializer(serializers.Serializer):
    answered = serializers.IntegerField(
        help_text="Standards with a view (and, for not applicable, a reason)."
    )
    total = serializers.IntegerField()
    voices = VoiceCoverageSerializer()


class MoveSerializer(serializers.Serializer):
    """A move the caller may ask for now; its guards may still refuse it (409 guards)."""

    name = serializers.CharField()
    to = ReviewStatusField(source="target")
    label = serializers.CharField()
    note_required = serializers.BooleanField()


class ReviewDetailSerializer(ReviewSerializer):
    progress = serializers.SerializerMethodField()
    moves = serializers.SerializerMethodField()

    class Meta(ReviewSerializer.Meta):
        fields = [*ReviewSerializer.Meta.fields, "progress", "moves"]
        read_only_fields = fields

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, review: Review) -> dict:
        return ProgressSerializer(self_assessment.progress(review)).data

    @extend_schema_field(MoveSerializer(many=True))
    def get_moves(self, review: Review) -> list:
        user = self.context["request"].user
        return MoveSerializer(workflow.moves_for(review, user), many=True).data


class ReviewEventSerializer(serializers.ModelSerializer):
    from_status = ReviewStatusField(
        read_only=True, allow_null=True, help_text="null for the first event, the enrolment."
    )
    to_status = ReviewStatusField(read_only=True)
    actor = PersonRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ReviewEvent
        fields = ["id", "from_status", "to_status", "actor", "note", "at"]
        read_only_fields = fields


class TransitionSerializer(serializers.Serializer):
    to = ReviewStatusField(help_text="The stage to move the review to, e.g. `submitted`.")
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=20_000,
        help_text="Why; required to return or withdraw a review.",
    )
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_VERSION,
        help_text="The review's version you started from: a move from an older one is 409 stale.",
    )


class ProblemSerializer(serializers.Serializer):
    message = serializers.CharField()
    standard = serializers.IntegerField(allow_null=True, help_text="The standard it is about.")
    action = serializers.IntegerField(allow_null=True, help_text="Last cycle's action it is about.")


class TransitionRefusedSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="`guards`, `stale` or `invalid_move`.")
    message = serializers.CharField()
    problems = ProblemSerializer(
        many=True, required=False, help_text="For `guards`: what is missing."
    )


class CarryResultSerializer(serializers.Serializer):
    responses = serializers.IntegerField(help_text="Responses whose text was copied.")
    perspectives = serializers.IntegerField(help_text="Perspectives copied.")


class TransitionRefused(Conflict):
    """A move the workflow refused (409). For guards, the body lists each problem."""

    def __init__(self, error: workflow.TransitionError):
        super().__init__(str(error), code=error.code)
        problems = [
            {"message": p.message, "standard": p.standard_id, "action": p.action_id}
            for p in error.problems
        ]
        self.extra = {"problems": problems} if problems else {}


# Viewsets -----------------------------------------------------------------------------------------


class CycleFilter(filters.FilterSet):
    network = IdFilter(field_name="network_id")
    status = filters.ChoiceFilter(choices=Cycle.Status.choices)

    class Meta:
        model = Cycle
        fields = ["network", "status"]


@extend_schema_view(
    create=extend_schema(
        request=CycleCreateSerializer,
        responses={201: CycleSerializer},
        description=(
            "Open a cycle in a network you coordinate (else 403). Dates left out come from the "
            "network's default timeline, counted from `opens_on` (today when left out). A "
            "network you do not coordinate is refused as an unknown id (400)."
        ),
    )
)
class CycleViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Cycles: coordinators see their networks'; service teams the cycles their reviews are in."""

    serializer_class = CycleSerializer
    permission_classes = [CyclePermission]
    filterset_class = CycleFilter

    def get_queryset(self):
        return (
            visible_cycles(self.request.user)
            .select_related("network")
            .prefetch_related(
                Prefetch(
                    "framework_versions",
                    queryset=FrameworkVersion.objects.select_related("framework"),
                )
            )
            .order_by("-opens_on", "name", "pk")
        )

    def create(self, request):
        serializer = CycleCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            cycle = cycles.open_cycle(
                network=data["network"],
                name=data["name"],
                versions=data["framework_versions"],
                **{name: data[name] for name in DATE_FIELDS},
            )
        except cycles.EnrolmentError as error:
            raise serializers.ValidationError({"framework_versions": [str(error)]}) from None
        cycle = self.get_queryset().get(pk=cycle.pk)
        return RestResponse(CycleSerializer(cycle).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=EnrolSerializer,
        responses={201: ReviewDetailSerializer},
        description=(
            "Enrol a service of this cycle's network against one of the framework versions the "
            "cycle offers: creates its review, in self-assessment, with one empty response per "
            "standard. For the network's coordinators (else 403). A service already enrolled, "
            "outside the network or unknown is a 400 field error."
        ),
    )
    @action(detail=True, methods=["post"])
    def enrol(self, request, pk=None):
        cycle = self.get_object()
        serializer = EnrolSerializer(
            data=request.data, context={"request": request, "cycle": cycle}
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            review = cycles.enrol(
                cycle, data["service"], data["framework_version"], by=request.user
            )
        except cycles.EnrolmentError as error:
            raise serializers.ValidationError({"service": [str(error)]}) from None
        body = ReviewDetailSerializer(
            REVIEW_QUERYSET.get(pk=review.pk), context={"request": request}
        )
        return RestResponse(body.data, status=status.HTTP_201_CREATED)


class ReviewPagination(pagination.CursorPagination):
    """Every service adds a review every cycle, so reviews are paged by cursor, newest first."""

    ordering = ("-created_at", "-pk")
    page_size_query_param = "page_size"
    max_page_size = 200


class ReviewFilter(filters.FilterSet):
    cycle = IdFilter(field_name="cycle_id")
    service = IdFilter(field_name="service_id")
    status = filters.ChoiceFilter(choices=Review.Status.choices)

    class Meta:
        model = Review
        fields = ["cycle", "service", "status"]


class ReviewViewSet(viewsets.ReadOnlyModelViewSet):
    """Reviews the signed-in person can see: their service team's, or every one in the networks
    they coordinate. The detail adds progress and the moves open to the caller."""

    permission_classes = [ReviewPolicyPermission]
    review_perms = {"carry_forward": "reviews.change_review"}
    pagination_class = ReviewPagination
    filterset_class = ReviewFilter

    def review_of(self, review: Review) -> Review:
        return review

    def get_queryset(self):
        return visible_reviews(self.request.user)

    def paginate_queryset(self, queryset):
        """Page through the bare ids first, then read only the page's reviews with their joins.

        A coordinator sees every review of their networks (thousands, nationally): sorting all
        of them with six tables joined costs several times what sorting their ids does. The
        ids already passed the permission filter, so the second read does not repeat it.
        """
        page = super().paginate_queryset(
            queryset.select_related(None).prefetch_related(None).only("pk", "created_at")
        )
        if page is None:
            return None
        rows = REVIEW_QUERYSET.in_bulk([review.pk for review in page])
        return [rows[review.pk] for review in page if review.pk in rows]

    def get_serializer_class(self):
        return ReviewSerializer if self.action == "list" else ReviewDetailSerializer

    def _detail(self, review: Review) -> dict:
        fresh = REVIEW_QUERYSET.get(pk=review.pk)
        return ReviewDetailSerializer(fresh, context=self.get_serializer_context()).data

    @extend_schema(
        request=TransitionSerializer,
        responses={200: ReviewDetailSerializer, 409: TransitionRefusedSerializer},
        description=(
            "Move the review, through the same workflow as the review page. A person who may "
            "not make the move gets 403. 409 when the move is not possible from this stage "
            "(`invalid_move`), the review changed since `version` (`stale`), or something is "
            "missing (`guards`, with `problems` listing each standard or action to put right)."
        ),
    )
    @action(detail=True, methods=["post"])
    def transitions(self, request, pk=None):
        review = self.get_object()
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            workflow.transition(
                review,
                data["to"],
                by=request.user,
                note=data["note"],
                expected_version=data.get("version"),
            )
        except workflow.TransitionError as error:
            if error.code == "forbidden":
                raise exceptions.PermissionDenied(str(error)) from None
            raise TransitionRefused(error) from None
        return RestResponse(self._detail(review))

    @extend_schema(
        request=None,
        responses={200: CarryResultSerializer, **problem_responses(409)},
        description=(
            "Start from last cycle: copy narratives and perspectives (never ratings) into "
            "responses that are still empty, marked “carried, please check”. For the people "
            "who write the self-assessment (else 403). 409 when the review is past "
            "self-assessment (`not_editable`), has no earlier review or was already started "
            "from it (`cannot_carry_forward`)."
        ),
    )
    @action(detail=True, methods=["post"], url_path="carry-forward")
    def carry_forward(self, request, pk=None):
        review = self.get_object()
        try:
            result = self_assessment.carry_forward(review, by=request.user)
        except self_assessment.NotEditable as error:
            raise Conflict(str(error), code="not_editable") from None
        except self_assessment.Invalid as error:
            raise Conflict(" ".join(error.errors.values()), code="cannot_carry_forward") from None
        return RestResponse(CarryResultSerializer(result).data)

    @extend_schema(
        responses={200: ReviewEventSerializer(many=True)},
        description="Every move of the review, oldest first. A review's history is short, so "
        "it comes whole, not in pages.",
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def history(self, request, pk=None):
        review = self.get_object()
        events = review.events.select_related("actor").order_by("at", "pk")
        return RestResponse(ReviewEventSerializer(events, many=True).data)
