"""Opening a cycle and enrolling services: how reviews come to exist.

A new review starts in `self_assessment` with one empty response per standard of its framework
version, its permissions attached (reviews/permissions.py), a first history event, and a link to
the service's previous review so that carry-forward and last cycle's actions can find it.
"""

from datetime import date, timedelta

from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from assurance.models import Network, Service, User
from reviews.models import Cycle, Response, Review, ReviewEvent
from reviews.permissions import setup_review_permissions
from standards.models import FrameworkVersion, Standard


class EnrolmentError(Exception):
    """An enrolment the rules do not allow; the message is shown to the coordinator."""


def default_dates(network: Network, opens_on: date) -> dict[str, date]:
    """The dates of a new cycle from the network's default timeline; all stay editable."""
    due = opens_on + timedelta(weeks=network.self_assessment_weeks)
    visits_until = due + timedelta(weeks=network.visit_window_weeks)
    return {
        "opens_on": opens_on,
        "self_assessment_due": due,
        "visits_from": due + timedelta(days=1),
        "visits_until": visits_until,
        "report_due": visits_until
        + timedelta(days=network.draft_report_days + network.accuracy_window_days),
    }


@transaction.atomic
def open_cycle(
    *, network: Network, name: str, versions: list[FrameworkVersion], **dates: date
) -> Cycle:
    if not versions:
        raise EnrolmentError(_("Offer at least one framework version."))
    cycle = Cycle.objects.create(network=network, name=name, **dates)
    cycle.framework_versions.set(versions)
    return cycle


@transaction.atomic
def enrol(cycle: Cycle, service: Service, version: FrameworkVersion, *, by: User) -> Review:
    """Create the service's review for this cycle."""
    if service.network_id != cycle.network_id:
        raise EnrolmentError(_("%(service)s is not in this network.") % {"service": service})
    if not cycle.framework_versions.filter(pk=version.pk).exists():
        raise EnrolmentError(_("This cycle does not offer %(version)s.") % {"version": version})
    if Review.objects.filter(cycle=cycle, service=service).exists():
        raise EnrolmentError(
            _("%(service)s is already enrolled in %(cycle)s.")
            % {"service": service, "cycle": cycle}
        )
    previous = (
        Review.objects.filter(service=service)
        .exclude(status=Review.Status.WITHDRAWN)
        .order_by("-cycle__opens_on", "-pk")
        .first()
    )
    review = Review.objects.create(
        cycle=cycle,
        service=service,
        framework_version=version,
        previous=previous,
        self_assessment_due=cycle.self_assessment_due,
    )
    bulk_create_with_history(
        [
            Response(review=review, standard=standard)
            for standard in Standard.objects.filter(version=version).only("pk")
        ],
        Response,
        default_user=by,
    )
    setup_review_permissions(review)
    ReviewEvent.objects.create(
        review=review,
        from_status="",
        to_status=Review.Status.SELF_ASSESSMENT,
        actor=by,
        note=_("Enrolled in %(cycle)s.") % {"cycle": cycle},
    )
    return review
