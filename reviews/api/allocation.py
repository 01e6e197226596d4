"""Reviewer allocation in the API: reviewer profiles, declared conflicts, proposals and
assignments, and the cycle's given/received ledger.

Every write goes through reviews/allocation/, as on the pages: `request_proposal`, `confirm`,
`respond` and `withdraw`. Profiles and conflicts are plain records, saved by their serializers.

Who sees what: a person sees their own profile, conflicts and invitations; the coordinators of
a network see those of every reviewer whose home service is in it, and its proposals. Anything
else is 404. Writes a person can see but may not make (a reviewer withdrawing, a coordinator
answering someone's invitation, a reviewer changing their own training) are 403.
"""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import (
    exceptions,
    generics,
    mixins,
    pagination,
    permissions,
    serializers,
    viewsets,
)
from rest_framework.decorators import action
from rest_framework.response import Response as RestResponse

from assurance.api.network import ServiceRefSerializer
from assurance.models import Membership, Organisation, Region, Service, User
from assurance.permissions import can, coordinated_networks, is_coordinator
from assurance.rest import Conflict as ConflictError
from assurance.rest import IdFilter
from reviews import allocation
from reviews.api.cycle import CycleRefSerializer, PersonRefSerializer, named_choice_field
from reviews.models import Assignment, Conflict, Cycle, Proposal, ReviewerProfile, ReviewerRole

ReviewerRoleField = named_choice_field("ReviewerRoleEnum", ReviewerRole.choices)
AssignmentStatusField = named_choice_field("AssignmentStatusEnum", Assignment.Status.choices)
ProposalStatusField = named_choice_field("ProposalStatusEnum", Proposal.Status.choices)
ConflictKindField = named_choice_field("ConflictKindEnum", Conflict.Kind.choices)


def _list_of(component: str, choices) -> type[serializers.ListField]:
    """A list of choices whose schema reuses the enum the services' own field already names
    (`RegionEnum`, `SettingTypeEnum`), rather than a second name for the same choices."""

    @extend_schema_field({"type": "array", "items": {"$ref": f"#/components/schemas/{component}"}})
    class ChoiceList(serializers.ListField):
        def __init__(self, **kwargs):
            super().__init__(child=serializers.ChoiceField(choices=choices), **kwargs)

    return ChoiceList


RegionList = _list_of("RegionEnum", Region.choices)
SettingTypeList = _list_of("SettingTypeEnum", Service.SettingType.choices)

# What a reviewer may change about their own profile; the rest (roles and training) is the
# coordinators', who record the training.
AVAILABILITY_FIELDS = ("capacity", "regions", "setting_types", "active")


# Scoping: what each person may see ------------------------------------------------------------


def visible_profiles(user: User) -> QuerySet:
    if not user.is_authenticated:
        return ReviewerProfile.objects.none()
    return ReviewerProfile.objects.filter(
        Q(user=user) | Q(home_service__network__in=coordinated_networks(user))
    )


def visible_conflicts(user: User) -> QuerySet:
    return Conflict.objects.filter(reviewer__in=visible_profiles(user))


def visible_proposals(user: User) -> QuerySet:
    return Proposal.objects.filter(cycle__network__in=coordinated_networks(user))


def visible_assignments(user: User) -> QuerySet:
    if not user.is_authenticated:
        return Assignment.objects.none()
    return Assignment.objects.filter(
        Q(reviewer__user=user) | Q(review__cycle__network__in=coordinated_networks(user))
    )


def coordinates(user: User, network) -> bool:
    return can(user, "assurance.change_network", network)


def is_invitee(user: User, assignment: Assignment) -> bool:
    return assignment.reviewer.user_id == user.pk


class AllocationPermission(permissions.IsAuthenticated):
    """Objects come from the querysets above, so one the person cannot see is 404.

    `coordinator_actions` need a coordinator of the object's network (`network_of`), and
    `invitee_actions` the person invited; `create` needs a coordinator when
    `coordinators_create` is set. Anything else seen may be done.
    """

    message = _("Only the network's coordinators can do this.")

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        if view.action == "create" and getattr(view, "coordinators_create", False):
            return is_coordinator(request.user)
        return True

    def has_object_permission(self, request, view, obj) -> bool:
        if view.action in getattr(view, "coordinator_actions", ()):
            return coordinates(request.user, view.network_of(obj))
        if view.action in getattr(view, "invitee_actions", ()) and not is_invitee(
            request.user, obj
        ):
            raise exceptions.PermissionDenied(_("Only the person invited can answer this."))
        return True


class Refused(ConflictError):
    """What reviews/allocation/ refused (409), in its own words."""

    def __init__(self, error: allocation.AllocationError):
        super().__init__(str(error), code="allocation_refused")


class StaleProposalRefused(ConflictError):
    def __init__(self, error: allocation.StaleProposal):
        super().__init__(str(error), code="stale_proposal")
        self.extra = {"differences": error.differences}


# Reviewer profiles ----------------------------------------------------------------------------


class ReviewerProfileSerializer(serializers.ModelSerializer):
    user = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.none(),
        help_text="A member of a service in a network you coordinate, with no profile yet.",
    )
    person = PersonRefSerializer(source="user", read_only=True)
    home_service = serializers.PrimaryKeyRelatedField(queryset=Service.objects.none())
    roles = serializers.ListField(child=ReviewerRoleField(), allow_empty=True, required=False)
    regions = RegionList(required=False)
    setting_types = SettingTypeList(required=False)

    class Meta:
        model = ReviewerProfile
        fields = [
            "id",
            "user",
            "person",
            "home_service",
            "roles",
            "trained_on",
            "training_expires",
            "capacity",
            "regions",
            "setting_types",
            "active",
        ]

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if self.instance is not None:
            fields["user"].read_only = True
            fields["home_service"].read_only = True
        elif request is not None:
            networks = coordinated_networks(request.user)
            fields["home_service"].queryset = Service.objects.filter(network__in=networks)
            members = Membership.objects.active().filter(service__network__in=networks)
            fields["user"].queryset = User.objects.filter(
                pk__in=members.values("user_id"), reviewer_profile__isnull=True
            )
        return fields

    def validate_roles(self, roles: list[str]) -> list[str]:
        return sorted(set(roles))


class ReviewerProfileViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Reviewer profiles: your own, or, for coordinators, those of their networks' reviewers.

    A reviewer may PATCH their own availability (`capacity`, `regions`, `setting_types`,
    `active`); roles and training are for the network's coordinators (403 otherwise).
    """

    serializer_class = ReviewerProfileSerializer
    permission_classes = [AllocationPermission]
    coordinators_create = True
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return (
            visible_profiles(self.request.user)
            .select_related("user", "home_service__network")
            .order_by("user__name", "user__email", "pk")
        )

    def perform_update(self, serializer):
        profile = serializer.instance
        beyond = set(serializer.validated_data) - set(AVAILABILITY_FIELDS)
        if beyond and not coordinates(self.request.user, profile.home_service.network):
            raise exceptions.PermissionDenied(
                _("Only the network's coordinators can change roles and training.")
            )
        serializer.save()


# Conflicts --------------------------------------------------------------------------------------


class ConflictSerializer(serializers.ModelSerializer):
    reviewer = serializers.PrimaryKeyRelatedField(
        queryset=ReviewerProfile.objects.none(),
        help_text="Your own profile, or, for coordinators, one of their networks' reviewers.",
    )
    service = serializers.PrimaryKeyRelatedField(
        queryset=Service.objects.none(), allow_null=True, required=False
    )
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), allow_null=True, required=False
    )
    kind = ConflictKindField()
    declared_by = PersonRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Conflict
        fields = [
            "id",
            "reviewer",
            "service",
            "organisation",
            "kind",
            "blocking",
            "note",
            "declared_by",
            "declared_at",
        ]
        read_only_fields = ["declared_at"]

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            profiles = visible_profiles(request.user)
            fields["reviewer"].queryset = profiles
            # Any service of the networks those reviewers review in, seen by them or not.
            fields["service"].queryset = Service.objects.filter(
                network__in=profiles.values("home_service__network")
            )
        return fields

    def validate(self, attrs):
        service, organisation = attrs.get("service"), attrs.get("organisation")
        if (service is None) == (organisation is None):
            message = _("Name either a service or an organisation, not both.")
            raise serializers.ValidationError({"service": [message], "organisation": [message]})
        if service is not None and service.network_id != attrs["reviewer"].home_service.network_id:
            raise serializers.ValidationError(
                {"service": [_("Choose a service in the reviewer's network.")]}
            )
        return attrs


class ConflictFilter(filters.FilterSet):
    reviewer = IdFilter(field_name="reviewer_id")

    class Meta:
        model = Conflict
        fields = ["reviewer"]


class ConflictViewSet(
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Declared conflicts: your own, or, for coordinators, their networks' reviewers'.

    A conflict names a service or an organisation (exactly one). Whoever can see a conflict may
    remove it. Conflicts the system works out (own service, own organisation, last cycle) are
    never stored, so they are not here.
    """

    serializer_class = ConflictSerializer
    permission_classes = [AllocationPermission]
    filterset_class = ConflictFilter

    def get_queryset(self):
        return (
            visible_conflicts(self.request.user)
            .select_related("service", "organisation", "declared_by")
            .order_by("-declared_at", "-pk")
        )

    def perform_create(self, serializer):
        serializer.save(declared_by=self.request.user)


# Proposals --------------------------------------------------------------------------------------


class ProposalSerializer(serializers.ModelSerializer):
    cycle = CycleRefSerializer(read_only=True)
    status = ProposalStatusField(read_only=True)
    requested_by = PersonRefSerializer(read_only=True, allow_null=True)
    result = serializers.JSONField(
        read_only=True,
        help_text=(
            "When ready: `assignments` (review_id, reviewer_id, role, explanation), `unfilled` "
            "(review_id, role, missing, reasons), the solver's `status` and the `objective`."
        ),
    )

    class Meta:
        model = Proposal
        fields = [
            "id",
            "cycle",
            "status",
            "requested_by",
            "requested_at",
            "finished_at",
            "result",
            "error",
        ]
        read_only_fields = fields


class ProposalRequestSerializer(serializers.Serializer):
    cycle = serializers.PrimaryKeyRelatedField(queryset=Cycle.objects.none())

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            fields["cycle"].queryset = Cycle.objects.filter(
                network__in=coordinated_networks(request.user)
            )
        return fields


class ProposalRefusedSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="`stale_proposal` or `allocation_refused`.")
    message = serializers.CharField()
    differences = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="For `stale_proposal`."
    )


class NewestFirst(pagination.CursorPagination):
    """Proposals and assignments grow with every cycle, so they are paged by cursor."""

    page_size_query_param = "page_size"
    max_page_size = 200


class ProposalPagination(NewestFirst):
    ordering = ("-requested_at", "-pk")


class ProposalFilter(filters.FilterSet):
    cycle = IdFilter(field_name="cycle_id")
    status = filters.ChoiceFilter(choices=Proposal.Status.choices)

    class Meta:
        model = Proposal
        fields = ["cycle", "status"]


class AssignmentSerializer(serializers.ModelSerializer):
    reviewer = serializers.PrimaryKeyRelatedField(read_only=True)
    person = PersonRefSerializer(source="reviewer.user", read_only=True)
    service = ServiceRefSerializer(source="review.service", read_only=True)
    cycle = CycleRefSerializer(source="review.cycle", read_only=True)
    role = ReviewerRoleField(read_only=True)
    status = AssignmentStatusField(read_only=True)

    class Meta:
        model = Assignment
        fields = [
            "id",
            "review",
            "service",
            "cycle",
            "reviewer",
            "person",
            "role",
            "status",
            "explanation",
            "proposal",
            "invited_at",
            "respond_by",
            "responded_at",
            "decline_reason",
        ]
        read_only_fields = fields


ASSIGNMENT_RELATED = ("reviewer__user", "review__service", "review__cycle")


@extend_schema_view(
    create=extend_schema(
        request=ProposalRequestSerializer,
        responses={201: ProposalSerializer, 409: ProposalRefusedSerializer},
        description=(
            "Ask for a proposal of teams for a cycle of a network you coordinate (else 403). It "
            "is worked out in the background: GET it until `status` is `ready` (or `failed`). "
            "409 when no submitted review is waiting for a team."
        ),
    )
)
class ProposalViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The matcher's proposals for the cycles of the networks you coordinate."""

    serializer_class = ProposalSerializer
    permission_classes = [AllocationPermission]
    coordinators_create = True
    pagination_class = ProposalPagination
    filterset_class = ProposalFilter

    def get_queryset(self):
        return visible_proposals(self.request.user).select_related("cycle", "requested_by")

    def create(self, request):
        serializer = ProposalRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        try:
            proposal = allocation.request_proposal(
                serializer.validated_data["cycle"], by=request.user
            )
        except allocation.AllocationError as error:
            raise Refused(error) from None
        body = ProposalSerializer(proposal, context=self.get_serializer_context()).data
        return RestResponse(body, status=201)

    @extend_schema(
        request=None,
        responses={200: AssignmentSerializer(many=True), 409: ProposalRefusedSerializer},
        description=(
            "Confirm a ready proposal: its places become invitations, emailed to the reviewers. "
            "409 `stale_proposal` (with `differences`) when reviews or reviewers changed since "
            "it was made, `allocation_refused` when it is not ready."
        ),
    )
    @action(detail=True, methods=["post"], pagination_class=None, filterset_class=None)
    def confirm(self, request, pk=None):
        proposal = self.get_object()
        try:
            created = allocation.confirm(proposal, by=request.user)
        except allocation.StaleProposal as error:
            raise StaleProposalRefused(error) from None
        except allocation.AllocationError as error:
            raise Refused(error) from None
        fresh = Assignment.objects.filter(pk__in=[a.pk for a in created]).select_related(
            *ASSIGNMENT_RELATED
        )
        return RestResponse(AssignmentSerializer(fresh, many=True).data)


# Assignments ------------------------------------------------------------------------------------


class DeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text="Required: say briefly why."
    )


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class AssignmentPagination(NewestFirst):
    ordering = ("-invited_at", "-pk")


class AssignmentFilter(filters.FilterSet):
    cycle = IdFilter(field_name="review__cycle_id")
    review = IdFilter(field_name="review_id")
    status = filters.ChoiceFilter(choices=Assignment.Status.choices)

    class Meta:
        model = Assignment
        fields = ["cycle", "review", "status"]


REFUSED = {409: ProposalRefusedSerializer}


class AssignmentViewSet(viewsets.ReadOnlyModelViewSet):
    """Places on review teams: your own invitations, or, for coordinators, their networks'.

    The person invited accepts or declines (with a reason); a coordinator may withdraw a place.
    409 when the invitation was already answered or withdrawn.
    """

    serializer_class = AssignmentSerializer
    permission_classes = [AllocationPermission]
    pagination_class = AssignmentPagination
    filterset_class = AssignmentFilter
    coordinator_actions = ("withdraw",)
    invitee_actions = ("accept", "decline")

    def get_queryset(self):
        return visible_assignments(self.request.user).select_related(
            *ASSIGNMENT_RELATED, "review__cycle__network"
        )

    def network_of(self, assignment: Assignment):
        return assignment.review.cycle.network

    def _answer(self, assignment: Assignment, **kwargs) -> RestResponse:
        try:
            allocation.respond(assignment, by=self.request.user, **kwargs)
        except allocation.AllocationError as error:
            raise Refused(error) from None
        return RestResponse(AssignmentSerializer(self.get_queryset().get(pk=assignment.pk)).data)

    @extend_schema(request=None, responses={200: AssignmentSerializer, **REFUSED})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._answer(self.get_object(), accept=True)

    @extend_schema(
        request=DeclineSerializer,
        responses={200: AssignmentSerializer, **REFUSED},
        description="Decline, saying why (409 without a reason). The coordinators are told.",
    )
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        assignment = self.get_object()
        serializer = DeclineSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._answer(
            assignment, accept=False, reason=serializer.validated_data.get("reason", "")
        )

    @extend_schema(
        request=WithdrawSerializer,
        responses={200: AssignmentSerializer, **REFUSED},
        description="Take the place away (coordinators). An accepted reviewer loses the review.",
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        assignment = self.get_object()
        serializer = WithdrawSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            allocation.withdraw(
                assignment, by=request.user, reason=serializer.validated_data.get("reason", "")
            )
        except allocation.AllocationError as error:
            raise Refused(error) from None
        return RestResponse(AssignmentSerializer(self.get_queryset().get(pk=assignment.pk)).data)


# The cycle's ledger -------------------------------------------------------------------------------


class LedgerRowSerializer(serializers.Serializer):
    service = ServiceRefSerializer()
    given_now = serializers.IntegerField(
        help_text="Accepted places its reviewers hold on other services' teams this cycle."
    )
    received_now = serializers.IntegerField(help_text="Accepted places on its own team.")
    given_before = serializers.IntegerField(help_text="The same, in earlier cycles.")
    received_before = serializers.IntegerField(help_text="The same, in earlier cycles.")
    balance = serializers.IntegerField(help_text="All places given minus all received.")


class LedgerView(generics.GenericAPIView):
    """For the network's coordinators: the reciprocity ledger of `reviews.allocation.ledger`,
    the same figures as the ledger page. A cycle you do not coordinate is 404.

    One cycle's figures, not a collection, so a view of its own (registered beside `/me/`)."""

    serializer_class = LedgerRowSerializer
    pagination_class = None
    filter_backends = []

    def get_queryset(self):
        return Cycle.objects.filter(network__in=coordinated_networks(self.request.user))

    @extend_schema(responses={200: LedgerRowSerializer(many=True)})
    def get(self, request, pk: int):
        rows = allocation.ledger(self.get_object())
        return RestResponse(LedgerRowSerializer(rows, many=True).data)
