"""Coordinator pages: the network's organisations, services, commissioning bodies, people
and invitations.

Who may use them (assurance/permissions.py decides; each view asks once, first):
- the lists, the "add" pages and the invite page are for coordinators, that is people with
  change_network on a network. Anyone else gets 403: that these pages exist is no secret.
  Each list shows only what lies in the person's own networks (objects_for_user);
- organisations belong to no network. They are shared records of who runs services, so any
  coordinator may list, add and change any organisation, through the model permissions
  add_organisation and change_organisation held by the `Network coordinators` group. Anyone
  else gets 403. The services counted beside an organisation are only those in the person's
  own networks;
- a commissioning body's page: its coordinators and its own commissioners (view permission),
  404 for anyone else. Inviting to it and changing it need change permission: 403 for its
  commissioners, who can see it but do not manage it;
- resending or withdrawing an invitation: 404 unless the person may invite people to its
  service, body or network (its service's leads, and its network's coordinators); 403 if they
  may not give its role there, such as a service lead and an invitation to be a service lead.
"""

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from assurance import invitations, permissions, roles
from assurance.forms import (
    CommissionerInviteForm,
    CommissioningBodyFilterForm,
    CommissioningBodyForm,
    InvitationFilterForm,
    InviteForm,
    MembershipFilterForm,
    OrganisationFilterForm,
    OrganisationForm,
    ServiceCreateForm,
    ServiceFilterForm,
)
from assurance.models import (
    CommissionerMembership,
    CommissioningBody,
    Invitation,
    Membership,
    Network,
    Organisation,
    Service,
    User,
)
from assurance.roles import create_commissioning_body, create_service
from assurance.views.team import next_url, pending, send_invitation

PAGE_SIZE = 25


def _coordinated_networks(user: User) -> list[Network]:
    """The networks `user` coordinates; 403 for a person who coordinates none."""
    networks = list(permissions.coordinated_networks(user))
    if not networks:
        raise PermissionDenied
    return networks


def _page(request: HttpRequest, queryset: QuerySet) -> dict:
    """One page of an ordered queryset, for components/_pagination.html."""
    paginator = Paginator(queryset, PAGE_SIZE)
    page: Page = paginator.get_page(request.GET.get("page"))
    return {
        "page_obj": page,
    }


def _filters(form) -> dict:
    """The valid filters of a bound filter form; a tampered value is simply not applied."""
    form.is_valid()
    return {name: value for name, value in getattr(form, "cleaned_data", {}).items() if value}


def _services_managed(user: User, networks: list[Network]) -> QuerySet:
    return permissions.objects_for_user(
        user, "assurance.manage_team", Service.objects.filter(network__in=networks)
    )


def _bodies_managed(user: User, networks: list[Network]) -> QuerySet:
    return permissions.objects_for_user(
        user,
        "assurance.change_commissioningbody",
        CommissioningBody.objects.filter(network__in=networks),
    )


# Organisations ------------------------------------------------------------------------------


@login_required
@permission_required("assurance.change_organisation", raise_exception=True)
def organisation_list(request: HttpRequest) -> HttpResponse:
    in_my_networks = Q(services__network__in=permissions.coordinated_networks(request.user))
    organisations = Organisation.objects.annotate(
        service_count=Count("services", filter=in_my_networks)
    ).order_by("name")
    form = OrganisationFilterForm(request.GET)
    filters = _filters(form)
    if "q" in filters:
        organisations = organisations.filter(name__icontains=filters["q"])
    if "kind" in filters:
        organisations = organisations.filter(kind=filters["kind"])
    if "region" in filters:
        organisations = organisations.filter(region=filters["region"])
    return render(
        request,
        "assurance/network/organisation_list.html",
        {
            "form": form,
            "filtered": bool(filters),
            "can_add": request.user.has_perm("assurance.add_organisation"),
            **_page(request, organisations),
        },
    )


@login_required
@permission_required("assurance.add_organisation", raise_exception=True)
@require_http_methods(["GET", "POST"])
def organisation_create(request: HttpRequest) -> HttpResponse:
    form = OrganisationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        organisation = form.save()
        messages.success(request, _("%(name)s has been added.") % {"name": organisation})
        return redirect("organisation_list")
    return render(request, "assurance/network/organisation_form.html", {"form": form})


@login_required
@permission_required("assurance.change_organisation", raise_exception=True)
@require_http_methods(["GET", "POST"])
def organisation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_object_or_404(Organisation, pk=pk)
    form = OrganisationForm(
        request.POST if request.method == "POST" else None, instance=copy.copy(organisation)
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("%(name)s has been saved.") % {"name": form.instance})
        return redirect("organisation_list")
    return render(
        request,
        "assurance/network/organisation_form.html",
        {"form": form, "organisation": organisation},
    )


# Services -----------------------------------------------------------------------------------


@login_required
def service_list(request: HttpRequest) -> HttpResponse:
    networks = _coordinated_networks(request.user)
    services = (
        permissions.objects_for_user(
            request.user, "assurance.view_service", Service.objects.filter(network__in=networks)
        )
        .select_related("organisation", "network")
        .annotate(member_count=Count("memberships", filter=Q(memberships__ended_at__isnull=True)))
        .order_by("name", "organisation__name")
    )
    form = ServiceFilterForm(request.GET)
    form.fields["organisation"].queryset = (
        Organisation.objects.filter(services__network__in=networks).distinct().order_by("name")
    )
    filters = _filters(form)
    if "q" in filters:
        services = services.filter(name__icontains=filters["q"])
    for name in ("organisation", "setting_type", "region"):
        if name in filters:
            services = services.filter(**{name: filters[name]})
    if "status" in filters:
        services = services.filter(active=filters["status"] == "active")
    return render(
        request,
        "assurance/network/service_list.html",
        {
            "form": form,
            "filtered": bool(filters),
            "several_networks": len(networks) > 1,
            **_page(request, services),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def service_create(request: HttpRequest) -> HttpResponse:
    networks = _coordinated_networks(request.user)
    form = ServiceCreateForm(request.POST if request.method == "POST" else None, networks=networks)
    if request.method == "POST" and form.is_valid():
        fields = {
            name: value
            for name, value in form.cleaned_data.items()
            if name not in ("network", "organisation")
        }
        service = create_service(
            network=form.instance.network, organisation=form.cleaned_data["organisation"], **fields
        )
        messages.success(
            request,
            _("%(name)s has been added. Invite its service lead next.") % {"name": service},
        )
        return redirect("service_detail", pk=service.pk)
    return render(
        request,
        "assurance/network/service_create.html",
        {"form": form, "has_organisations": Organisation.objects.exists()},
    )


# Commissioning bodies -----------------------------------------------------------------------


@login_required
def body_list(request: HttpRequest) -> HttpResponse:
    networks = _coordinated_networks(request.user)
    bodies = (
        _bodies_managed(request.user, networks)
        .select_related("network")
        .annotate(member_count=Count("members", filter=Q(members__ended_at__isnull=True)))
        .order_by("name")
    )
    form = CommissioningBodyFilterForm(request.GET)
    filters = _filters(form)
    if "q" in filters:
        bodies = bodies.filter(name__icontains=filters["q"])
    if "kind" in filters:
        bodies = bodies.filter(kind=filters["kind"])
    return render(
        request,
        "assurance/network/body_list.html",
        {
            "form": form,
            "filtered": bool(filters),
            "several_networks": len(networks) > 1,
            **_page(request, bodies),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def body_create(request: HttpRequest) -> HttpResponse:
    networks = _coordinated_networks(request.user)
    form = CommissioningBodyForm(
        request.POST if request.method == "POST" else None, networks=networks
    )
    if request.method == "POST" and form.is_valid():
        body = create_commissioning_body(
            network=form.instance.network,
            name=form.cleaned_data["name"],
            kind=form.cleaned_data["kind"],
            region=form.cleaned_data["region"],
        )
        messages.success(
            request,
            _("%(name)s has been added. Invite the people who read reports for it.")
            % {"name": body},
        )
        return redirect("body_detail", pk=body.pk)
    return render(request, "assurance/network/body_form.html", {"form": form})


def _body_page(request: HttpRequest, body: CommissioningBody, form) -> HttpResponse:
    can_manage = permissions.can(request.user, "assurance.change_commissioningbody", body)
    members = body.members.active().select_related("user").order_by("user__name", "user__email")
    context = {"body": body, "members": members, "can_manage": can_manage}
    if can_manage:
        context["form"] = form or CommissionerInviteForm()
        context["invitations"] = pending(body.invitations.select_related("invited_by"))
    return render(request, "assurance/network/body_detail.html", context)


@login_required
def body_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A commissioning body and its commissioners. Its own commissioners see it too; the
    invitations waiting and the invite form are for the coordinators who manage it."""
    body = permissions.get_body_for_user(request.user, pk)
    return _body_page(request, body, form=None)


@login_required
@require_POST
def body_invite(request: HttpRequest, pk: int) -> HttpResponse:
    """Invite a commissioner from the body's page; errors show on that page."""
    body = permissions.get_body_for_user(request.user, pk, "assurance.change_commissioningbody")
    form = CommissionerInviteForm(request.POST)
    if form.is_valid():
        try:
            send_invitation(
                request,
                email=form.cleaned_data["email"],
                role=Invitation.Role.COMMISSIONER,
                network=body.network,
                body=body,
            )
        except invitations.InvitationError as error:
            form.add_error("email", str(error))
        else:
            return redirect("body_detail", pk=body.pk)
    return _body_page(request, body, form=form)


@login_required
@require_http_methods(["GET", "POST"])
def commissioner_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """A coordinator ends someone's commissioner role, after a confirmation page."""
    role = get_object_or_404(
        CommissionerMembership.objects.select_related("user", "body__network"), pk=pk
    )
    body = permissions.get_body_for_user(
        request.user, role.body_id, "assurance.change_commissioningbody"
    )
    back = reverse("body_detail", args=[body.pk])
    if role.ended_at is not None:
        messages.info(
            request, _("%(name)s had already stopped reading for this body.") % {"name": role.user}
        )
        return redirect(back)
    if request.method == "POST":
        roles.leave_commissioning_body(role)
        messages.success(
            request,
            _("%(name)s no longer reads reports for %(body)s.") % {"name": role.user, "body": body},
        )
        return redirect(back)
    return render(
        request,
        "assurance/network/commissioner_remove.html",
        {"role": role, "body": body, "back": back},
    )


@login_required
@require_http_methods(["GET", "POST"])
def body_edit(request: HttpRequest, pk: int) -> HttpResponse:
    body = permissions.get_body_for_user(request.user, pk, "assurance.change_commissioningbody")
    form = CommissioningBodyForm(
        request.POST if request.method == "POST" else None, instance=copy.copy(body)
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("%(name)s has been saved.") % {"name": form.instance})
        return redirect("body_detail", pk=body.pk)
    return render(request, "assurance/network/body_form.html", {"form": form, "body": body})


# People -------------------------------------------------------------------------------------


@login_required
def membership_list(request: HttpRequest) -> HttpResponse:
    """Everyone in the service teams of the person's networks, current members first."""
    networks = _coordinated_networks(request.user)
    services = _services_managed(request.user, networks)
    form = MembershipFilterForm(
        request.GET,
        services=services.select_related("organisation").order_by("name", "organisation__name"),
    )
    filters = _filters(form)
    memberships = Membership.objects.filter(service__in=services).select_related(
        "user", "service__organisation"
    )
    status = filters.get("status", "active")
    if status == "active":
        memberships = memberships.filter(ended_at__isnull=True)
    elif status == "left":
        memberships = memberships.filter(ended_at__isnull=False)
    if "q" in filters:
        memberships = memberships.filter(
            Q(user__name__icontains=filters["q"]) | Q(user__email__icontains=filters["q"])
        )
    if "service" in filters:
        memberships = memberships.filter(service=filters["service"])
    if "role" in filters:
        memberships = memberships.filter(role=filters["role"])
    memberships = memberships.order_by("user__name", "user__email", "service__name", "-started_at")
    return render(
        request,
        "assurance/network/membership_list.html",
        {"form": form, "filtered": bool(filters), **_page(request, memberships)},
    )


# Invitations --------------------------------------------------------------------------------


def _get_invitation_for_user(user: User, pk) -> Invitation:
    """The invitation, or 404 unless `user` may invite people to its service (or body, or
    network), 403 if they may not give its role there. The API's InvitationPermission
    decides the same way."""
    invitation = get_object_or_404(
        Invitation.objects.select_related("network", "service__network", "body", "invited_by"),
        pk=pk,
    )
    may_give = invitations.roles_user_may_give(
        user, network=invitation.network, service=invitation.service
    )
    if not may_give:
        raise Http404
    if invitation.role not in may_give:
        raise PermissionDenied
    return invitation


@login_required
def invitation_list(request: HttpRequest) -> HttpResponse:
    networks = _coordinated_networks(request.user)
    now = timezone.now()
    found = Invitation.objects.filter(network__in=networks).select_related(
        "network", "service", "body", "invited_by"
    )
    form = InvitationFilterForm(request.GET)
    filters = _filters(form)
    status = filters.get("status", "pending")
    if status == "pending":
        found = pending(found)
    elif status == "expired":
        found = found.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__lte=now)
    elif status == "accepted":
        found = found.filter(accepted_at__isnull=False)
    else:
        found = found.filter(revoked_at__isnull=False)
    if "q" in filters:
        found = found.filter(email__icontains=filters["q"])
    if "role" in filters:
        found = found.filter(role=filters["role"])
    return render(
        request,
        "assurance/network/invitation_list.html",
        {
            "form": form,
            "filtered": bool(filters),
            "status": status,
            **_page(request, found.order_by("-sent_at", "email")),
        },
    )


@login_required
@require_POST
def invitation_resend(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = _get_invitation_for_user(request.user, pk)
    back = next_url(request, reverse("invitation_list"))
    try:
        invitations.resend(invitation, by=request.user)
    except invitations.InvitationError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("We sent a new invitation link to %(email)s. The old link no longer works.")
            % {"email": invitation.email},
        )
    return redirect(back)


@login_required
@require_http_methods(["GET", "POST"])
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw an invitation, after a confirmation page."""
    invitation = _get_invitation_for_user(request.user, pk)
    back = next_url(request, reverse("invitation_list"))
    if invitation.accepted_at or invitation.revoked_at:
        messages.info(
            request,
            _("The invitation to %(email)s has already been accepted or withdrawn.")
            % {"email": invitation.email},
        )
        return redirect(back)
    if request.method == "POST":
        invitations.revoke(invitation, by=request.user)
        messages.success(
            request,
            _("The invitation to %(email)s has been withdrawn. Its link no longer works.")
            % {"email": invitation.email},
        )
        return redirect(back)
    return render(
        request,
        "assurance/network/invitation_revoke.html",
        {"invitation": invitation, "back": back},
    )


@login_required
@require_http_methods(["GET", "POST"])
def network_invite(request: HttpRequest) -> HttpResponse:
    """Invite someone to any role in the coordinator's networks."""
    networks = _coordinated_networks(request.user)
    form = InviteForm(
        request.POST if request.method == "POST" else None,
        initial={name: request.GET.get(name) for name in ("role", "service", "body")},
        networks=networks,
        services=_services_managed(request.user, networks)
        .select_related("organisation", "network")
        .order_by("name", "organisation__name"),
        bodies=_bodies_managed(request.user, networks).order_by("name"),
    )
    if request.method == "POST" and form.is_valid():
        role = form.cleaned_data["role"]
        if role in Invitation.SERVICE_ROLES:
            service = form.cleaned_data["service"]
            target = {"network": service.network, "service": service}
        elif role == Invitation.Role.COMMISSIONER:
            body = form.cleaned_data["body"]
            target = {"network": body.network, "body": body}
        else:
            target = {"network": form.cleaned_data["network"]}
        try:
            send_invitation(request, email=form.cleaned_data["email"], role=role, **target)
        except invitations.InvitationError as error:
            form.add_error("email", str(error))
        else:
            return redirect("invitation_list")
    return render(request, "assurance/network/invite.html", {"form": form})
