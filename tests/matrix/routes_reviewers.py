"""Matrix entries for the reviewer pages (see table.py for how to read them).

- "My profile" and "my conflicts" are every signed-in person's own pages: a person without a
  reviewer profile gets a page explaining how to become a reviewer (200), so everyone gets 200.
  An empty POST gives the form back with its errors (200) or that same page.
- An invitation, and a conflict the reviewer declared, exist only for their reviewer: 404 for
  everyone else, coordinators included (they act on conflicts through the pool's pages).
- The pool's list and "add a reviewer" are coordinators' pages (403 for everyone else). A
  profile's pages need change_network on its home service's network: 404 for anyone who
  cannot see that network, and for the coordinator of N on a profile in M.

World objects these entries need (tests/matrix/world.py), with their OWN / OTHER keys:

  ReviewerProfile
    P_reviewer   user=reviewer, home_service=T, roles=["peer"], trained_on=2026-01-01
    P_lead       user=lead_reviewer, home_service=T, roles=["lead", "peer"], trained_on=2026-01-01
    P_M          user=member_U's user, home_service=U (network M), roles=["peer"]
  Assignment (status invited; create directly: Assignment.objects.create(review=RS, ...))
    A_reviewer   review=RS, reviewer=P_reviewer, role="peer", respond_by=2027-02-01
    A_lead       review=RS, reviewer=P_lead, role="lead", respond_by=2027-02-01
  Conflict (declared by the reviewer themselves)
    X_reviewer   reviewer=P_reviewer, service=S, kind="personal", declared_by=reviewer
    X_lead       reviewer=P_lead, organisation=OS, kind="collaboration", declared_by=lead_reviewer
    X_M          reviewer=P_M, service=U, kind="personal", declared_by=member_U's user

  OWN["my_assignment"] = {"lead_reviewer": "A_lead", "default": "A_reviewer"}
  OTHER["my_assignment"] = {"reviewer": "A_lead", "default": "A_reviewer"}
  OWN["conflict"] = {"lead_reviewer": "X_lead", "default": "X_reviewer"}
  OTHER["conflict"] = {"reviewer": "X_lead", "lead_reviewer": "X_reviewer", "default": "X_M"}
  OWN["reviewer_profile"] = {"lead_reviewer": "P_lead", "default": "P_reviewer"}
  OTHER["reviewer_profile"] = {"default": "P_M"}
"""

from tests.matrix.table import Route, expect, pk

EVERYONE = expect(200)
COORDINATORS = expect(403, coordinator=200)
ITS_COORDINATORS = {"own": expect(404, coordinator=200), "other": expect(404)}
ITS_COORDINATORS_POSTED = {"own": expect(404, coordinator=302), "other": expect(404)}
ITS_REVIEWER = {"own": expect(404, reviewer=200, lead_reviewer=200), "other": expect(404)}


def conflict_kwargs(conflict) -> dict:
    return {"pk": conflict.reviewer_id, "conflict_pk": conflict.pk}


REVIEWER_ROUTES: list[Route] = [
    # The reviewer's own pages
    Route("reviews:my_profile", own=EVERYONE),
    Route("reviews:my_profile", method="POST", own=EVERYONE),
    Route("reviews:my_conflicts", own=EVERYONE),
    Route("reviews:my_conflicts", method="POST", own=EVERYONE),
    Route("reviews:my_conflict_remove", kind="conflict", kwargs=pk, **ITS_REVIEWER),
    Route(
        "reviews:my_conflict_remove",
        method="POST",
        kind="conflict",
        kwargs=pk,
        own=expect(404, reviewer=302, lead_reviewer=302),
        other=expect(404),
    ),
    Route("reviews:assignment_respond", kind="my_assignment", kwargs=pk, **ITS_REVIEWER),
    # An empty answer: the invited reviewer gets the page back with the error; nothing changes.
    Route(
        "reviews:assignment_respond", method="POST", kind="my_assignment", kwargs=pk, **ITS_REVIEWER
    ),
    # The coordinator's pool
    Route("reviews:reviewer_list", own=COORDINATORS),
    Route("reviews:reviewer_add", own=COORDINATORS),
    Route("reviews:reviewer_add", method="POST", own=COORDINATORS),
    Route("reviews:reviewer_edit", kind="reviewer_profile", kwargs=pk, **ITS_COORDINATORS),
    Route(
        "reviews:reviewer_edit",
        method="POST",
        kind="reviewer_profile",
        kwargs=pk,
        **ITS_COORDINATORS,
    ),
    Route(
        "reviews:reviewer_conflict_add",
        method="POST",
        kind="reviewer_profile",
        kwargs=pk,
        **ITS_COORDINATORS,
    ),
    Route(
        "reviews:reviewer_conflict_remove",
        kind="conflict",
        kwargs=conflict_kwargs,
        **ITS_COORDINATORS,
    ),
    Route(
        "reviews:reviewer_conflict_remove",
        method="POST",
        kind="conflict",
        kwargs=conflict_kwargs,
        **ITS_COORDINATORS_POSTED,
    ),
]
