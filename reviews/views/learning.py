"""The network learning report of a cycle: the page, its PDF and the PDF's state.

Who may use them (reviews/report/learning.py `get_cycle_for_learning`, asked once, first): the
network's coordinators and every active member of a service in the network. Anyone else,
commissioners included, gets 404, as if the cycle did not exist.

The PDF is drawn in the background (`learning.request_pdf` queues it, or finds the one already
on its way); the page shows its state, and static/js/render-status.js updates that state in
place while it waits. A download serves the stored bytes only after checking their sha256.
"""

import logging

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from assurance import permissions
from reviews.models import Cycle, RenderJob
from reviews.report import learning
from reviews.report.issuing import ReportError
from reviews.views.reports import pdf_attachment

logger = logging.getLogger(__name__)


def _job_in(cycle: Cycle, job_pk) -> RenderJob:
    try:
        return RenderJob.objects.get(pk=job_pk, cycle=cycle, what=RenderJob.What.LEARNING)
    except (RenderJob.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def job_state(cycle: Cycle, job: RenderJob) -> dict:
    """What the page and static/js/render-status.js show of the PDF's render."""
    ready = job.status == RenderJob.Status.READY
    return {
        "status": job.status,
        "label": job.get_status_display(),
        "error": job.error if job.status == RenderJob.Status.FAILED else "",
        "ready_url": reverse("reviews:learning_pdf", args=[cycle.pk, job.pk]) if ready else None,
    }


@login_required
@require_GET
def learning_report(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = learning.get_cycle_for_learning(request.user, pk)
    job = learning.latest_job(cycle)
    return render(
        request,
        "reviews/learning/learning_report.html",
        {
            "cycle": cycle,
            "s": learning.learning_context(cycle),
            "job": job,
            "waiting": job is not None and job.status in learning.WAITING,
            "out_of_date": job is not None
            and job.status == RenderJob.Status.READY
            and learning.is_out_of_date(job),
            "coordinates": permissions.coordinated_networks(request.user)
            .filter(pk=cycle.network_id)
            .exists(),
        },
    )


@login_required
@require_POST
def learning_pdf_request(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = learning.get_cycle_for_learning(request.user, pk)
    learning.request_pdf(cycle, by=request.user)
    return redirect(reverse("reviews:learning_report", args=[cycle.pk]) + "#pdf")


@login_required
@require_GET
def learning_pdf_status(request: HttpRequest, pk: int, job_pk: int) -> JsonResponse:
    """What static/js/render-status.js polls while the PDF is being prepared."""
    cycle = learning.get_cycle_for_learning(request.user, pk)
    return JsonResponse(job_state(cycle, _job_in(cycle, job_pk)))


@login_required
@require_GET
def learning_pdf(request: HttpRequest, pk: int, job_pk: int) -> HttpResponse:
    cycle = learning.get_cycle_for_learning(request.user, pk)
    job = _job_in(cycle, job_pk)
    try:
        data = learning.read_pdf(job)
    except (ReportError, OSError) as error:
        if job.status == RenderJob.Status.READY:
            logger.error("Learning report PDF %s does not match its sha256, or is missing", job.pk)
            reason = _(
                "The stored file does not match its fingerprint, so it has not been sent. Make a "
                "new PDF from the report's page."
            )
        else:
            reason = str(error)
        return render(
            request,
            "reviews/learning/not_readable.html",
            {"cycle": cycle, "job": job, "error": reason},
            status=409,
        )
    filename = f"{slugify(cycle.network.name)}-{slugify(cycle.name)}-learning-report.pdf"
    return pdf_attachment(data, filename)
