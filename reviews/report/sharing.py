"""Sharing a published report with commissioning bodies, and taking a share back.

The host owns the report (DESIGN section 1): commissioners read it only when the host's service
lead shares it with their body.

- `share_report`: the host's service lead (`submit_review`), once the review is published (or
  closed), with a commissioning body of the review's network; one live share per body. The
  body's commissioners get `view_report` on every final report of the review (a correction
  issued later is granted to them too: reviews/report/issuing.py `readers` adds the bodies of
  live shares), can read the review's actions (reviews/report/actions.py), and are told by
  e-mail once the share is committed.
- `revoke_share`: the same service lead takes it back: the grants go at once. A revoked share
  stays listed with who revoked it and when.

Both lock the review row, as issuing a report does, so a share and a correction issued at the
same moment cannot miss each other.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm

from assurance import permissions
from assurance.models import CommissionerMembership, CommissioningBody, User
from reviews.models import Report, ReportGroupObjectPermission, ReportShare, Review
from reviews.self_assessment import Invalid

# The stages in which a report can be shared: it has been published.
SHAREABLE_STAGES = (Review.Status.PUBLISHED, Review.Status.CLOSED)


class SharingClosed(Exception):
    """The review has no published report to share yet."""


def commissioner_bodies(user: User) -> QuerySet:
    """The bodies `user` reads for now (an active commissioner role)."""
    if not user.is_authenticated:
        return CommissioningBody.objects.none()
    return CommissioningBody.objects.filter(
        pk__in=CommissionerMembership.objects.active().filter(user=user).values("body_id")
    )


def live_shares(user: User) -> QuerySet:
    """The live shares with the bodies `user` reads for."""
    return ReportShare.objects.filter(
        revoked_at__isnull=True, body__in=commissioner_bodies(user).values("pk")
    )


def shared_reviews(user: User) -> QuerySet:
    """The reviews whose report is shared, now, with a body `user` reads for."""
    return Review.objects.filter(pk__in=live_shares(user).values("review_id"))


def bodies_for(review: Review) -> QuerySet:
    """The bodies the review's report can be shared with: those of its network."""
    return CommissioningBody.objects.filter(network_id=review.service.network_id)


def _check_service_lead(review: Review, by: User) -> None:
    if not permissions.can(by, "reviews.submit_review", review):
        raise PermissionDenied(_("The service lead decides who the report is shared with."))


@transaction.atomic
def share_report(review: Review, body: CommissioningBody, *, by: User) -> ReportShare:
    locked = Review.objects.select_for_update().select_related("service").get(pk=review.pk)
    _check_service_lead(locked, by)
    if locked.status not in SHAREABLE_STAGES:
        raise SharingClosed(_("The report can be shared once it is published."))
    if body.network_id != locked.service.network_id:
        raise Invalid({"body": _("Choose a commissioning body of your network.")})
    if ReportShare.objects.filter(review=locked, body=body, revoked_at__isnull=True).exists():
        raise Invalid(
            {"body": _("The report is already shared with %(body)s.") % {"body": body.name}}
        )
    share = ReportShare.objects.create(review=locked, body=body, granted_by=by)
    finals = Report.objects.filter(review=locked, kind=Report.Kind.FINAL)
    if finals.exists():
        assign_perm("reviews.view_report", permissions.body_commissioners(body), finals)
    transaction.on_commit(lambda: tell_commissioners(share.pk))
    return share


@transaction.atomic
def revoke_share(share: ReportShare, *, by: User) -> ReportShare:
    locked = Review.objects.select_for_update().get(pk=share.review_id)
    _check_service_lead(locked, by)
    share = ReportShare.objects.select_for_update().get(pk=share.pk)
    if not share.is_live:
        raise Invalid({"share": _("This share was already stopped.")})
    share.revoked_at = timezone.now()
    share.revoked_by = by
    share.save(update_fields=["revoked_at", "revoked_by"])
    ReportGroupObjectPermission.objects.filter(
        group=permissions.body_commissioners(share.body),
        permission__codename="view_report",
        permission__content_type__app_label="reviews",
        content_object__review=locked,
    ).delete()
    return share


def tell_commissioners(share_id: int) -> None:
    """E-mail the body's commissioners that a report was shared with them (after the commit)."""
    share = ReportShare.objects.select_related("review__service", "review__cycle", "body").get(
        pk=share_id
    )
    recipients = list(
        CommissionerMembership.objects.active()
        .filter(body=share.body)
        .values_list("user__email", flat=True)
    )
    if not recipients or not share.is_live:
        return
    final = (
        Report.objects.filter(review=share.review, kind=Report.Kind.FINAL)
        .order_by("-number")
        .first()
    )
    path = (
        reverse("reviews:report_detail", args=[share.review_id, final.pk])
        if final is not None
        else reverse("home")
    )
    service, body = share.review.service.name, share.body.name
    send_mail(
        _("%(service)s has shared its improvement report with %(body)s")
        % {"service": service, "body": body},
        _(
            "%(service)s has shared its improvement report for %(cycle)s with %(body)s. You can "
            "read the report, its one-page summary and the progress on its actions here:"
            "\n\n%(link)s"
        )
        % {
            "service": service,
            "cycle": share.review.cycle.name,
            "body": body,
            "link": settings.SITE_URL.rstrip("/") + path,
        },
        None,
        recipients,
    )
