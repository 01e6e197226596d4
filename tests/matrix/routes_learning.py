"""Matrix entries for the network learning report: its page, its PDF and the API (see table.py
for how to read them).

CN is a cycle of network N, where the cast's service people (S) and the reviewers (T) are
members of services and `coordinator` coordinates: all of them read the report. Commissioners
and outsiders never do, and nobody in the cast belongs to network M, so CM's report does not
exist for anyone (404). The PDF routes use a learning render of the cycle, made (ready, with
stored bytes) the first time a case needs it.
"""

import hashlib

from django.core.files.base import ContentFile

from reviews.models import RenderJob
from tests.matrix.table import Route, expect, pk

READERS = expect(200, commissioner=404, outsider=404)
NOBODY = expect(404)


def learning_job(cycle) -> RenderJob:
    job = RenderJob.objects.filter(what=RenderJob.What.LEARNING, cycle=cycle).first()
    if job is None:
        data = b"%PDF-1.7 a learning report"
        job = RenderJob.objects.create(
            what=RenderJob.What.LEARNING,
            cycle=cycle,
            status=RenderJob.Status.READY,
            sha256=hashlib.sha256(data).hexdigest(),
        )
        job.pdf.save("learning.pdf", ContentFile(data))
    return job


def job_kwargs(cycle) -> dict:
    return {"pk": cycle.pk, "job_pk": learning_job(cycle).pk}


def posted(expected: dict[str, int], status: int) -> dict[str, int]:
    return {role: status if code == 200 else code for role, code in expected.items()}


LEARNING_ROUTES: list[Route] = [
    Route("reviews:learning_report", kind="cycle", kwargs=pk, own=READERS, other=NOBODY),
    Route(
        "reviews:learning_pdf_request",
        method="POST",
        kind="cycle",
        kwargs=pk,
        own=posted(READERS, 302),
        other=NOBODY,
    ),
    Route("reviews:learning_pdf", kind="cycle", kwargs=job_kwargs, own=READERS, other=NOBODY),
    Route(
        "reviews:learning_pdf_status", kind="cycle", kwargs=job_kwargs, own=READERS, other=NOBODY
    ),
    Route("learning-report-detail", kind="cycle", kwargs=pk, own=READERS, other=NOBODY),
]
