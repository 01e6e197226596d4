"""Matrix entries for the evidence pages (see table.py for how to read them).

Routes that name one piece of evidence use kind "evidence": the world's E_S (a text file on RS,
added by `staff`), E_T (on RT, added by `reviewer`, who is for now on T's team) and E_U (on RU).
Own and other follow the review's: the evidence of the review each role sees, and of one they
do not.
"""

from tests.matrix.table import Route, expect, pk


def evidence_kwargs(item) -> dict:
    return {"pk": item.review_id, "evidence_pk": item.pk}


# Reading: the review's team and the network's coordinators (T's team on RT).
READS = expect(200, commissioner=404, outsider=404)
# Adding: the whole team, lived-experience contributors included; coordinators only read.
ADDS = expect(200, coordinator=403, commissioner=404, outsider=404)
# Removing E_S (added by staff): its author and the editors (staff contributors and leads); a
# lived-experience contributor may remove only what they added. On RT, `reviewer` added E_T
# and `lead_reviewer` is T's lead.
REMOVES = expect(200, lived_experience=403, coordinator=403, commissioner=404, outsider=404)


def posted(expected: dict[str, int], status: int) -> dict[str, int]:
    """The same policy for a POST that succeeds with `status` instead of 200."""
    return {role: status if code == 200 else code for role, code in expected.items()}


EVIDENCE_ROUTES: list[Route] = [
    Route("reviews:evidence_list", kind="review", kwargs=pk, own=READS, other=expect(404)),
    Route("reviews:evidence_add", kind="review", kwargs=pk, own=ADDS, other=expect(404)),
    Route(
        "reviews:evidence_add",
        method="POST",
        kind="review",
        kwargs=pk,
        # Nothing posted: the form comes back with its errors, and nothing is stored.
        own=ADDS,
        other=expect(404),
    ),
    Route(
        "reviews:evidence_detail",
        kind="evidence",
        kwargs=evidence_kwargs,
        own=READS,
        other=expect(404),
    ),
    Route(
        "reviews:evidence_download",
        kind="evidence",
        kwargs=evidence_kwargs,
        own=READS,
        other=expect(404),
    ),
    Route(
        "reviews:evidence_remove",
        kind="evidence",
        kwargs=evidence_kwargs,
        own=REMOVES,
        other=expect(404),
    ),
    Route(
        "reviews:evidence_remove",
        method="POST",
        kind="evidence",
        kwargs=evidence_kwargs,
        own=posted(REMOVES, 302),
        other=expect(404),
    ),
]
