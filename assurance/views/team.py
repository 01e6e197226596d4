"""Service and team pages: a service's page with its team, changing the service, inviting
people to it, and removing someone from the team.

Who may do what (assurance/permissions.py decides; each view asks once, first):
- the service page and its team: anyone with view_service on it, that is its members and the
  coordinators of its network. Anyone else gets 404, so a guessed id shows nothing;
- inviting, resending, withdrawing and removing people from the team: manage_team (the service's
  leads and the network's coordinators). Others who can see the service get 403; the POST
  endpoints check this themselves, whatever the page showed;
- changing the service: change_service. Coordinators change everything but the network;
  a service lead changes only how the service describes itself (ServiceLeadForm).

Only the people who manage the team see members' roles and email addresses. Other members
see who the service leads are and everyone else as a team member, because a contributor's
lived experience is shown only with their consent (DESIGN.md, section 14).
"""

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from assurance import invitations, permissions, roles
from assurance.forms import ServiceForm, ServiceInviteForm, ServiceLeadForm
from assurance.models import Invitation, Membership, User


def next_url(request: HttpRequest, default: str) -> str:
    """Where to go after an action: the form's `next`, if it stays on this site."""
    candidate = request.POST.get("next") or request.GET.get("next")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def pending(queryset: QuerySet) -> QuerySet:
    """The invitations of `queryset` that can still be accepted."""
    return queryset.filter(
        accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )


def send_invitation(request: HttpRequest, **fields) -> Invitation:
    """Send an invitation with invitations.invite and say what happened.

    A pending invitation for the same person and place is merged by the backend, which sends
    a new link; say so, so the person knows the old link stopped working. Raises
    InvitationError for the form to show, and PermissionDenied (a 403) as the backend does.
    """
    started = timezone.now()
    invitation = invitations.invite(invited_by=request.user, **fields)
    if invitation.created_at < started:
        messages.success(
            request,
            _(
                "%(email)s already had an invitation waiting. We sent a new invitation link; "
                "the old link no longer works."
            )
            % {"email": invitation.email},
        )
    else:
        messages.success(
            request,
            _("We sent an invitation to %(email)s to join %(target)s as %(role)s.")
            % {
                "email": invitation.email,
                "target": invitation.target,
                "role": invitation.get_role_display(),
            },
        )
    return invitation


def get_membership_for_user(user: User, pk, perm: str = "assurance.manage_team") -> Membership:
    """The membership, or 404 if its service is hidden from `user`, 403 without `perm` on it."""
    membership = get_object_or_404(Membership.objects.select_related("user"), pk=pk)
    membership.service = permissions.get_service_for_user(user, membership.service_id, perm)
    return membership


def _leads_first(queryset: QuerySet) -> QuerySet:
    lead_first = Case(
        When(role=Membership.Role.SERVICE_LEAD, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return queryset.order_by(lead_first, "user__name", "user__email")


@login_required
def service_detail(request: HttpRequest, pk: int) -> HttpResponse:
    service = permissions.get_service_for_user(request.user, pk)
    can_manage = permissions.can(request.user, "assurance.manage_team", service)
    team = _leads_first(service.memberships.active().select_related("user"))
    context = {
        "service": service,
        "team": team,
        "can_manage": can_manage,
        "can_edit": permissions.can(request.user, "assurance.change_service", service),
    }
    if can_manage:
        may_give = invitations.roles_user_may_give(
            request.user, network=service.network, service=service
        )
        context["roles_may_give"] = may_give
        context["invitations"] = pending(service.invitations.select_related("invited_by"))
        context["invite_form"] = ServiceInviteForm(roles=may_give)
    return render(request, "assurance/team/service_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def service_edit(request: HttpRequest, pk: int) -> HttpResponse:
    service = permissions.get_service_for_user(request.user, pk, "assurance.change_service")
    coordinating = permissions.can(request.user, "assurance.change_network", service.network)
    form_class = ServiceForm if coordinating else ServiceLeadForm
    # The form edits a copy, so the page keeps the saved name while it shows errors.
    form = form_class(
        request.POST if request.method == "POST" else None, instance=copy.copy(service)
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The service's details have been saved."))
        return redirect("service_detail", pk=service.pk)
    return render(
        request,
        "assurance/team/service_edit.html",
        {"service": service, "form": form, "coordinating": coordinating},
    )


@login_required
@require_http_methods(["GET", "POST"])
def service_invite(request: HttpRequest, pk: int) -> HttpResponse:
    service = permissions.get_service_for_user(request.user, pk, "assurance.manage_team")
    may_give = invitations.roles_user_may_give(
        request.user, network=service.network, service=service
    )
    form = ServiceInviteForm(request.POST if request.method == "POST" else None, roles=may_give)
    if request.method == "POST" and form.is_valid():
        try:
            send_invitation(
                request,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                network=service.network,
                service=service,
            )
        except invitations.InvitationError as error:
            form.add_error("email", str(error))
        else:
            return redirect("service_detail", pk=service.pk)
    return render(request, "assurance/team/service_invite.html", {"service": service, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def membership_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove someone from a team after a confirmation page; the rules are roles.remove_member."""
    membership = get_membership_for_user(request.user, pk)
    service = membership.service
    back = next_url(request, reverse("service_detail", args=[service.pk]))
    person = membership.user
    if membership.ended_at is not None:
        messages.info(
            request,
            _("%(name)s had already left %(service)s.") % {"name": person, "service": service},
        )
        return redirect(back)
    is_self = membership.user_id == request.user.pk
    if request.method == "POST":
        try:
            roles.remove_member(membership, by=request.user)
        except roles.RoleError:
            pass  # the page below explains why, with a 403
        else:
            messages.success(
                request,
                _(
                    "%(name)s has been removed from the %(service)s team. "
                    "What they contributed is kept."
                )
                % {"name": person, "service": service},
            )
            return redirect(back)
    only_lead = (
        membership.role == Membership.Role.SERVICE_LEAD
        and not service.memberships.active()
        .filter(role=Membership.Role.SERVICE_LEAD)
        .exclude(pk=membership.pk)
        .exists()
    )
    return render(
        request,
        "assurance/team/membership_deactivate.html",
        {
            "membership": membership,
            "service": service,
            "person": person,
            "is_self": is_self,
            "only_lead": only_lead,
            "back": back,
        },
        status=403 if is_self and request.method == "POST" else 200,
    )
