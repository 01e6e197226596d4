"""The network in the API: organisations, services and commissioning bodies.

Their serializers, filters, viewsets and permission classes, and the scoping functions
(`visible_networks`, `visible_services`, ...) and reference serializers that
assurance/api/people.py reuses. Every list is filtered by the policy
(assurance/permissions.py); a detail the person cannot see is 404, and a write they may not
make on an object they can see is 403. Services and bodies are added through
assurance/roles.py, as on the pages.
"""

from collections.abc import Callable

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.filters import SearchFilter

from assurance import roles
from assurance.models import CommissioningBody, Network, Organisation, Service, User
from assurance.permissions import (
    SERVICE_FIELDS_A_LEAD_MAY_CHANGE,
    ObjectPolicyPermission,
    can,
    is_coordinator,
    objects_for_user,
)
from assurance.rest import IdFilter

# What a service lead may change about their own service; everything else is the coordinators'.


# Scoping: what each person may see ------------------------------------------------------------


def visible_networks(user: User) -> QuerySet:
    return objects_for_user(user, "assurance.view_network", Network.objects.all())


def visible_services(user: User) -> QuerySet:
    return objects_for_user(user, "assurance.view_service", Service.objects.all())


def visible_bodies(user: User) -> QuerySet:
    return objects_for_user(
        user, "assurance.view_commissioningbody", CommissioningBody.objects.all()
    )


def visible_organisations(user: User) -> QuerySet:
    """Coordinators see every organisation; anyone else those running a service they can see."""
    if user.is_authenticated and user.has_perm("assurance.change_organisation"):
        return Organisation.objects.all()
    return Organisation.objects.filter(pk__in=visible_services(user).values("organisation_id"))


# Permission classes: ObjectPolicyPermission, for objects whose rights live elsewhere --------


class CoordinatorCreatesPermission(ObjectPolicyPermission):
    """Services and bodies: reads and updates by object permission; creating needs a coordinator.

    Whether the chosen network may receive it is checked in `perform_create`.
    """

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        if view.action == "create" and not is_coordinator(request.user):
            raise exceptions.PermissionDenied(view.create_refused)
        return True


class OrganisationPermission(ObjectPolicyPermission):
    """Organisations carry no object permissions: seeing one is decided by the filtered queryset,
    and adding or changing one needs the model permission the coordinators group holds."""

    message = _("Only network coordinators can add or change organisations.")

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        if request.method in ("GET", "HEAD", "OPTIONS") or view.action is None:
            return True  # reads are scoped by the queryset; unknown methods get their 405
        required = self.get_required_permissions(request.method, Organisation)
        return request.user.has_perms(required)

    def has_object_permission(self, request, view, obj) -> bool:
        return True  # visible: it came from visible_organisations; writes: has_permission


# Serializers -------------------------------------------------------------------------------


class NetworkRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Network
        fields = ["id", "name"]


class ServiceRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Service
        fields = ["id", "name"]


class BodyRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = CommissioningBody
        fields = ["id", "name"]


class OrganisationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "kind", "region"]


class _ScopedSerializer(serializers.ModelSerializer):
    """Offers, for each related field named in `scoped_fields`, only the objects the signed-in
    person can see, so an invisible id reads as one that does not exist."""

    scoped_fields: dict[str, Callable[[User], QuerySet]] = {}

    def get_fields(self):
        fields = super().get_fields()
        if not hasattr(self, "initial_data"):
            return fields  # output only: the choices are never consulted, so spare the queries
        request = self.context.get("request")
        user = getattr(request, "user", None)
        for name, scope in self.scoped_fields.items():
            fields[name].queryset = (
                scope(user) if user is not None else fields[name].queryset.none()
            )
        return fields


class ServiceSerializer(_ScopedSerializer):
    network = serializers.PrimaryKeyRelatedField(
        queryset=Network.objects.all(),
        help_text="Chosen when the service is added; a service never moves to another network.",
    )
    network_name = serializers.CharField(source="network.name", read_only=True)
    organisation = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all())
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)

    scoped_fields = {"network": visible_networks, "organisation": visible_organisations}

    class Meta:
        model = Service
        fields = [
            "id",
            "name",
            "network",
            "network_name",
            "organisation",
            "organisation_name",
            "setting_type",
            "population",
            "capacity",
            "region",
            "description",
            "active",
        ]

    def get_fields(self):
        fields = super().get_fields()
        if isinstance(self.instance, Service) and hasattr(self, "initial_data"):
            # The current network stays acceptable, so a lead can PUT back what they read.
            fields["network"].queryset = Network.objects.filter(
                Q(pk__in=fields["network"].queryset.values("pk")) | Q(pk=self.instance.network_id)
            )
        return fields

    def validate_network(self, network: Network) -> Network:
        # Its permissions were granted to this network's coordinators when it was added.
        if isinstance(self.instance, Service) and network.pk != self.instance.network_id:
            raise serializers.ValidationError(_("A service cannot move to another network."))
        return network


class CommissioningBodySerializer(_ScopedSerializer):
    network = serializers.PrimaryKeyRelatedField(
        queryset=Network.objects.all(),
        help_text="Chosen when the body is added; it never moves to another network.",
    )
    network_name = serializers.CharField(source="network.name", read_only=True)

    scoped_fields = {"network": visible_networks}

    class Meta:
        model = CommissioningBody
        fields = ["id", "name", "network", "network_name", "kind", "region"]

    def validate_network(self, network: Network) -> Network:
        if isinstance(self.instance, CommissioningBody) and network.pk != self.instance.network_id:
            raise serializers.ValidationError(
                _("A commissioning body cannot move to another network.")
            )
        return network


# Filters ------------------------------------------------------------------------------------
# Related objects are filtered by plain id (not a model choice), so an id the person cannot
# see gives an empty list, exactly as one that does not exist.


class OrganisationFilter(filters.FilterSet):
    class Meta:
        model = Organisation
        fields = ["kind", "region"]


class ServiceFilter(filters.FilterSet):
    network = IdFilter(field_name="network_id")
    organisation = IdFilter(field_name="organisation_id")

    class Meta:
        model = Service
        fields = ["network", "organisation", "setting_type", "region", "active"]


class CommissioningBodyFilter(filters.FilterSet):
    network = IdFilter(field_name="network_id")

    class Meta:
        model = CommissioningBody
        fields = ["network", "kind", "region"]


# Viewsets -----------------------------------------------------------------------------------

SEARCHABLE = [filters.DjangoFilterBackend, SearchFilter]


class OrganisationViewSet(
    mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Providers that run services. Coordinators see and edit all of them; anyone else sees
    the organisations running a service they can see."""

    serializer_class = OrganisationSerializer
    permission_classes = [OrganisationPermission]
    filter_backends = SEARCHABLE
    filterset_class = OrganisationFilter
    search_fields = ["name"]

    def get_queryset(self):
        return visible_organisations(self.request.user).order_by("name")


@extend_schema_view(
    create=extend_schema(
        description=(
            "Add a service to a network you coordinate. A network you cannot see is refused "
            "as an unknown id (400); one you can see but not coordinate is 403."
        )
    ),
    update=extend_schema(
        description=(
            "Change a service. Coordinators may change everything but the network. A service "
            "lead may change only description, population and capacity: a change to any other "
            "field is a 400 field error naming it (sending its current value back is fine)."
        )
    ),
    partial_update=extend_schema(
        description="As PUT, for the fields sent: service leads may change only description, "
        "population and capacity."
    ),
)
class ServiceViewSet(
    mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Services the signed-in person can see: their own team's, or every one in the networks
    they coordinate."""

    serializer_class = ServiceSerializer
    permission_classes = [CoordinatorCreatesPermission]
    create_refused = _("Only network coordinators can add services.")
    filter_backends = SEARCHABLE
    filterset_class = ServiceFilter
    search_fields = ["name"]

    def get_queryset(self):
        return objects_for_user(
            self.request.user,
            "assurance.view_service",
            Service.objects.select_related("network", "organisation"),
        ).order_by("name", "id")

    def perform_create(self, serializer):
        data = serializer.validated_data
        if not can(self.request.user, "assurance.change_network", data["network"]):
            raise exceptions.PermissionDenied(
                _("You can add services only to networks you coordinate.")
            )
        serializer.instance = roles.create_service(**data)

    def perform_update(self, serializer):
        service = serializer.instance
        if not can(self.request.user, "assurance.change_network", service.network):
            refused = {
                name: [_("Only a network coordinator can change this.")]
                for name, value in serializer.validated_data.items()
                if name not in SERVICE_FIELDS_A_LEAD_MAY_CHANGE and getattr(service, name) != value
            }
            if refused:
                raise serializers.ValidationError(refused)
        serializer.save()


@extend_schema_view(
    create=extend_schema(
        description="Add a commissioning body to a network you coordinate.",
    )
)
class CommissioningBodyViewSet(
    mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Commissioning bodies: coordinators see and edit their networks' bodies; commissioners
    see the bodies they read for."""

    serializer_class = CommissioningBodySerializer
    permission_classes = [CoordinatorCreatesPermission]
    create_refused = _("Only network coordinators can add commissioning bodies.")
    filter_backends = SEARCHABLE
    filterset_class = CommissioningBodyFilter
    search_fields = ["name"]

    def get_queryset(self):
        return objects_for_user(
            self.request.user,
            "assurance.view_commissioningbody",
            CommissioningBody.objects.select_related("network"),
        ).order_by("name", "id")

    def perform_create(self, serializer):
        data = serializer.validated_data
        if not can(self.request.user, "assurance.change_network", data["network"]):
            raise exceptions.PermissionDenied(
                _("You can add commissioning bodies only to networks you coordinate.")
            )
        serializer.instance = roles.create_commissioning_body(**data)
