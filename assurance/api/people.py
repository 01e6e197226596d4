"""People in the API: team memberships, invitations and `/me/`.

Their serializers, filters, viewsets and permission classes. Lists are filtered by the policy
(assurance/permissions.py); a detail the person cannot see is 404. Ending a membership goes
through assurance/roles.py and every invitation write through assurance/invitations.py, as on
the pages; a PermissionDenied they raise reaches the client as a 403 with its reason
(assurance/rest.py).
"""

from django.db import models
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from assurance import invitations, permissions, roles
from assurance.api.network import (
    BodyRefSerializer,
    NetworkRefSerializer,
    ServiceRefSerializer,
    visible_bodies,
    visible_networks,
    visible_services,
)
from assurance.models import (
    CommissionerMembership,
    CommissioningBody,
    Coordinator,
    Invitation,
    Membership,
    Network,
    Service,
    User,
)
from assurance.permissions import ObjectPolicyPermission, can, objects_for_user
from assurance.rest import Conflict, IdFilter, problem_responses

# Scoping: what each person may see ------------------------------------------------------------


def manageable_invitations(user: User) -> QuerySet:
    """Coordinators manage their networks' invitations; service leads their services'."""
    return Invitation.objects.filter(
        Q(network__in=objects_for_user(user, "assurance.change_network", Network.objects.all()))
        | Q(service__in=objects_for_user(user, "assurance.manage_team", Service.objects.all()))
    )


# Permission classes: ObjectPolicyPermission, for objects whose rights live elsewhere --------


class ServiceTeamPermission(ObjectPolicyPermission):
    """Memberships: seen through view permission on their service; each action names the
    service permission it needs in the viewset's `service_perms`."""

    message = _("Only the service lead or a network coordinator can change the team.")

    def has_object_permission(self, request, view, obj) -> bool:
        if not can(request.user, "assurance.view_service", obj.service):
            raise Http404
        perm = view.service_perms.get(view.action)
        return perm is not None and can(request.user, perm, obj.service)


class InvitationPermission(ObjectPolicyPermission):
    """Invitations: visible to the people who may invite to their target. Which roles each may
    give (and so resend or withdraw) is decided by assurance/invitations.py, which raises
    PermissionDenied."""

    def has_object_permission(self, request, view, obj) -> bool:
        if not invitations.roles_user_may_give(
            request.user, network=obj.network, service=obj.service
        ):
            raise Http404
        return True


# Serializers -------------------------------------------------------------------------------


# Role and status fields share names with other choice sets ("role", "status"); naming their
# schema components here keeps the OpenAPI enums apart without a hash in the name.


@extend_schema_field(
    serializers.ChoiceField(choices=Membership.Role.choices), component_name="MembershipRoleEnum"
)
class MembershipRoleField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=Membership.Role.choices, **kwargs)


@extend_schema_field(
    serializers.ChoiceField(choices=Invitation.Role.choices), component_name="InvitationRoleEnum"
)
class InvitationRoleField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=Invitation.Role.choices, **kwargs)


class PersonSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "name", "email"]


class MemberSerializer(PersonSerializer):
    email = serializers.EmailField(
        read_only=True, allow_null=True, help_text="Null to people who do not manage the team."
    )


class MembershipSerializer(serializers.ModelSerializer):
    """A membership. To people who do not manage the team, other members' `role` is null
    unless they lead it, and their `email` is null (permissions.services_with_team_details)."""

    user = MemberSerializer(read_only=True)
    service = ServiceRefSerializer(read_only=True)
    role = MembershipRoleField(read_only=True, allow_null=True)
    active = serializers.BooleanField(source="is_active", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "user", "service", "role", "started_at", "ended_at", "active"]
        read_only_fields = fields

    def to_representation(self, membership: Membership) -> dict:
        data = super().to_representation(membership)
        viewer = self.context["request"].user
        details = self.context.get("team_details")
        if details is None:
            details = self.context["team_details"] = permissions.services_with_team_details(viewer)
        if membership.user_id != viewer.pk and membership.service_id not in details:
            data["user"]["email"] = None
            if membership.role != Membership.Role.SERVICE_LEAD:
                data["role"] = None
        return data


class InvitationStatus(models.TextChoices):
    """Where an invitation stands, worked out from its dates (it is not stored)."""

    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    REVOKED = "revoked", _("Withdrawn")
    EXPIRED = "expired", _("Expired")

    @classmethod
    def of(cls, invitation: Invitation) -> "InvitationStatus":
        if invitation.accepted_at:
            return cls.ACCEPTED
        if invitation.revoked_at:
            return cls.REVOKED
        if invitation.expires_at <= timezone.now():
            return cls.EXPIRED
        return cls.PENDING


@extend_schema_field(
    serializers.ChoiceField(choices=InvitationStatus.choices), component_name="InvitationStatusEnum"
)
class InvitationStatusField(serializers.Field):
    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, invitation: Invitation) -> str:
        return InvitationStatus.of(invitation).value


class InvitationSerializer(serializers.ModelSerializer):
    """An invitation as its managers see it. The token (and its hash) never leave the server."""

    network = NetworkRefSerializer(read_only=True)
    service = ServiceRefSerializer(read_only=True, allow_null=True)
    body = BodyRefSerializer(read_only=True, allow_null=True)
    role = InvitationRoleField(read_only=True)
    invited_by = PersonSerializer(read_only=True)
    status = InvitationStatusField()

    class Meta:
        model = Invitation
        fields = [
            "id",
            "email",
            "role",
            "network",
            "service",
            "body",
            "status",
            "invited_by",
            "created_at",
            "sent_at",
            "expires_at",
            "accepted_at",
            "revoked_at",
        ]
        read_only_fields = fields


class InvitationCreateSerializer(serializers.Serializer):
    """Whom to invite, to which role, and where: a service for the team roles, a
    commissioning body for `commissioner`, a network for `coordinator`."""

    email = serializers.EmailField()
    role = InvitationRoleField()
    service = serializers.PrimaryKeyRelatedField(
        queryset=Service.objects.all(), required=False, allow_null=True
    )
    body = serializers.PrimaryKeyRelatedField(
        queryset=CommissioningBody.objects.all(), required=False, allow_null=True
    )
    network = serializers.PrimaryKeyRelatedField(
        queryset=Network.objects.all(), required=False, allow_null=True
    )

    def get_fields(self):
        fields = super().get_fields()
        user = getattr(self.context.get("request"), "user", None)
        for name, scope in (
            ("service", visible_services),
            ("body", visible_bodies),
            ("network", visible_networks),
        ):
            fields[name].queryset = (
                scope(user) if user is not None else fields[name].queryset.none()
            )
        return fields

    def validate(self, attrs):
        role, service, body = attrs["role"], attrs.get("service"), attrs.get("body")
        if role in Invitation.SERVICE_ROLES:
            if service is None:
                raise serializers.ValidationError(
                    {"service": [_("Choose the service to invite this person to.")]}
                )
            attrs["network"] = service.network
        elif role == Invitation.Role.COMMISSIONER:
            if body is None:
                raise serializers.ValidationError(
                    {"body": [_("Choose the commissioning body to invite this person to.")]}
                )
            attrs["network"] = body.network
        elif attrs.get("network") is None:
            raise serializers.ValidationError(
                {"network": [_("Choose the network to invite this person to.")]}
            )
        return attrs


class MeMembershipSerializer(serializers.ModelSerializer):
    service = ServiceRefSerializer(read_only=True)
    role = MembershipRoleField(read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "service", "role", "started_at"]


class MeSerializer(serializers.ModelSerializer):
    """The signed-in person and every role they hold now."""

    memberships = MeMembershipSerializer(many=True, read_only=True, source="active_memberships")
    coordinator_networks = serializers.SerializerMethodField()
    commissioning_bodies = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "name",
            "memberships",
            "coordinator_networks",
            "commissioning_bodies",
        ]
        read_only_fields = fields

    @extend_schema_field(NetworkRefSerializer(many=True))
    def get_coordinator_networks(self, user: User):
        return NetworkRefSerializer(
            [role.network for role in user.active_coordinator_roles], many=True
        ).data

    @extend_schema_field(BodyRefSerializer(many=True))
    def get_commissioning_bodies(self, user: User):
        return BodyRefSerializer(
            [role.body for role in user.active_commissioner_roles], many=True
        ).data


# Filters ------------------------------------------------------------------------------------
# Related objects are filtered by plain id (not a model choice), so an id the person cannot
# see gives an empty list, exactly as one that does not exist.


class MembershipFilter(filters.FilterSet):
    service = IdFilter(field_name="service_id")
    role = filters.ChoiceFilter(choices=Membership.Role.choices, method="filter_role")
    active = filters.BooleanFilter(
        field_name="ended_at", lookup_expr="isnull", label="Still in the team"
    )

    class Meta:
        model = Membership
        fields = ["service", "role", "active"]

    def filter_role(self, queryset, name, value):
        # Filtering by role must not reveal what the serializer hides: only teams the person
        # manages, and their own membership, answer to it.
        user = self.request.user
        details = permissions.services_with_team_details(user)
        return queryset.filter(role=value).filter(Q(service_id__in=details) | Q(user=user))


class InvitationFilter(filters.FilterSet):
    network = IdFilter(field_name="network_id")
    service = IdFilter(field_name="service_id")
    body = IdFilter(field_name="body_id")
    status = filters.ChoiceFilter(choices=InvitationStatus.choices, method="filter_status")

    class Meta:
        model = Invitation
        fields = ["network", "service", "body", "role", "status"]

    def filter_status(self, queryset, name, value):
        if value == InvitationStatus.ACCEPTED:
            return queryset.filter(accepted_at__isnull=False)
        if value == InvitationStatus.REVOKED:
            return queryset.filter(accepted_at__isnull=True, revoked_at__isnull=False)
        unused = queryset.filter(accepted_at__isnull=True, revoked_at__isnull=True)
        if value == InvitationStatus.EXPIRED:
            return unused.filter(expires_at__lte=timezone.now())
        return unused.filter(expires_at__gt=timezone.now())


# Viewsets -----------------------------------------------------------------------------------


class MembershipViewSet(viewsets.ReadOnlyModelViewSet):
    """Team memberships of the services the signed-in person can see, past and present.
    People join by invitation (`/invitations/`), so there is no create."""

    serializer_class = MembershipSerializer
    permission_classes = [ServiceTeamPermission]
    service_perms = {
        "list": "assurance.view_service",
        "retrieve": "assurance.view_service",
        "deactivate": "assurance.manage_team",
    }
    filterset_class = MembershipFilter

    def get_queryset(self):
        return (
            Membership.objects.filter(service__in=visible_services(self.request.user))
            .select_related("user", "service")
            # Never ordered by role: the order would show what the role field hides.
            .order_by("service__name", "user__name", "id")
        )

    @extend_schema(
        request=None,
        responses={200: MembershipSerializer, **problem_responses(409)},
        description=(
            "End a membership and the access it gave. For the service lead and network "
            "coordinators. Nobody can end their own membership here (409), and an ended "
            "membership cannot be ended again (409)."
        ),
    )
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        membership = self.get_object()
        try:
            roles.remove_member(membership, by=request.user)
        except roles.RoleError as error:
            raise Conflict(str(error)) from None
        return Response(self.get_serializer(membership).data)


@extend_schema_view(
    create=extend_schema(
        request=InvitationCreateSerializer,
        responses={201: InvitationSerializer},
        description=(
            "Email an invitation. A pending invitation for the same address and target is "
            "merged into this one (same id, new role and link; only the newest link works). "
            "Coordinators may invite to any role in their networks; service leads may invite "
            "staff and contributors with lived experience to their own service (else 403)."
        ),
    )
)
class InvitationViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Invitations the signed-in person may manage: coordinators their networks', service
    leads their services'."""

    serializer_class = InvitationSerializer
    permission_classes = [InvitationPermission]
    filterset_class = InvitationFilter

    def get_queryset(self):
        return (
            manageable_invitations(self.request.user)
            .select_related("network", "service", "body", "invited_by")
            .order_by("-sent_at", "-id")
        )

    def get_serializer_class(self):
        return InvitationCreateSerializer if self.action == "create" else InvitationSerializer

    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            invitation = invitations.invite(
                invited_by=request.user,
                email=data["email"],
                role=data["role"],
                network=data["network"],
                service=data.get("service"),
                body=data.get("body"),
            )
        except invitations.InvitationError as error:
            raise serializers.ValidationError({"email": [str(error)]}) from None
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={200: InvitationSerializer, **problem_responses(409)},
        description=(
            "Send the invitation again with a new link; the old link stops working. An "
            "expired invitation is replaced by a new one (a new id). A used or withdrawn "
            "invitation cannot be sent again (409)."
        ),
    )
    @action(detail=True, methods=["post"])
    def resend(self, request, pk=None):
        invitation = self.get_object()
        try:
            invitation = invitations.resend(invitation, by=request.user)
        except invitations.InvitationError as error:
            raise Conflict(str(error)) from None
        return Response(InvitationSerializer(invitation).data)

    @extend_schema(
        request=None,
        responses={200: InvitationSerializer, **problem_responses(409)},
        description=(
            "Withdraw the invitation so its link no longer works. Withdrawing twice is "
            "harmless; an invitation already used cannot be withdrawn (409)."
        ),
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        invitation = self.get_object()
        invitations.revoke(invitation, by=request.user)
        if invitation.accepted_at is not None:
            raise Conflict(
                _("This invitation has already been used. End the person's role instead.")
            )
        return Response(InvitationSerializer(invitation).data)


class MeView(generics.RetrieveAPIView):
    """The signed-in person: email, name, and the roles they hold now."""

    serializer_class = MeSerializer
    permission_classes = [ObjectPolicyPermission]  # signed in; a person always sees themselves

    def get_object(self):
        return User.objects.prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.active()
                .select_related("service")
                .order_by("service__name", "id"),
                to_attr="active_memberships",
            ),
            Prefetch(
                "coordinator_roles",
                queryset=Coordinator.objects.active()
                .select_related("network")
                .order_by("network__name", "id"),
                to_attr="active_coordinator_roles",
            ),
            Prefetch(
                "commissioner_roles",
                queryset=CommissionerMembership.objects.active()
                .select_related("body")
                .order_by("body__name", "id"),
                to_attr="active_commissioner_roles",
            ),
        ).get(pk=self.request.user.pk)
