"""The expected outcome of every route, for every member of the cast, on their own object and on
someone else's. This is the one place the access policy is written down as data; the harness in
test_matrix.py checks every route the URL resolver knows against it. A new route must be added
here or the suite fails.

Reading an entry: `own` is the status each role gets on their own object (or, for routes with no
object, the one status), `other` on somebody else's. 404 means "cannot see it", 403 "can see it
but may not do this".
"""

from collections.abc import Callable
from dataclasses import dataclass

from tests.matrix.world import CAST

ALL = CAST


def expect(default: int, **overrides: int) -> dict[str, int]:
    unknown = set(overrides) - set(CAST)
    assert not unknown, f"not in the cast: {unknown}"
    return {role: overrides.get(role, default) for role in CAST}


@dataclass(frozen=True)
class Route:
    name: str
    own: dict[str, int]
    other: dict[str, int] | None = None
    method: str = "GET"
    kind: str | None = None  # the kind of object the URL names, see world.OWN
    kwargs: Callable | None = None  # object -> URL kwargs
    data: dict | None = None
    content_type: str | None = None


def pk(obj) -> dict:
    return {"pk": obj.pk}


def version_kwargs(version) -> dict:
    return {"slug": version.framework.slug, "label": version.label}


COORDINATOR_ONLY = expect(403, coordinator=200)
SIGNED_IN = expect(200)

MANAGES_TEAM = expect(
    403, service_lead=200, lead_reviewer=200, coordinator=200, commissioner=404, outsider=404
)
MAY_INVITE = {
    "own": expect(404, service_lead=200, lead_reviewer=200, coordinator=200),
    "other": expect(404),
}
MAY_INVITE_POSTED = {
    "own": expect(404, service_lead=302, lead_reviewer=302, coordinator=302),
    "other": expect(404),
}


ROUTES: list[Route] = [
    # Coordinator pages: the lists, "add" pages and the invite page are the coordinators' (403
    # for everyone else). Organisations belong to no network, so any coordinator may change any.
    Route("organisation_list", own=COORDINATOR_ONLY),
    Route("organisation_create", own=COORDINATOR_ONLY),
    Route(
        "organisation_edit",
        kind="organisation",
        kwargs=pk,
        own=COORDINATOR_ONLY,
        other=COORDINATOR_ONLY,
    ),
    Route("service_list", own=COORDINATOR_ONLY),
    Route("service_create", own=COORDINATOR_ONLY),
    Route("body_list", own=COORDINATOR_ONLY),
    Route("body_create", own=COORDINATOR_ONLY),
    Route(
        "body_detail",
        kind="body",
        kwargs=pk,
        own=expect(404, coordinator=200, commissioner=200),
        other=expect(404),
    ),
    Route(
        "body_invite",
        method="POST",
        kind="body",
        kwargs=pk,
        # No email posted: the coordinator gets the page back with the error.
        own=expect(404, coordinator=200, commissioner=403),
        other=expect(404),
    ),
    Route(
        "body_edit",
        kind="body",
        kwargs=pk,
        own=expect(404, coordinator=200, commissioner=403),
        other=expect(404),
    ),
    Route(
        "commissioner_remove",
        kind="commissioner_role",
        kwargs=pk,
        own=expect(404, coordinator=200, commissioner=403),
        other=expect(404),
    ),
    Route(
        "commissioner_remove",
        method="POST",
        kind="commissioner_role",
        kwargs=pk,
        own=expect(404, coordinator=302, commissioner=403),
        other=expect(404),
    ),
    Route("membership_list", own=COORDINATOR_ONLY),
    Route("invitation_list", own=COORDINATOR_ONLY),
    Route("invitation_resend", method="POST", kind="invitation", kwargs=pk, **MAY_INVITE_POSTED),
    Route("invitation_revoke", kind="invitation", kwargs=pk, **MAY_INVITE),
    Route("invitation_revoke", method="POST", kind="invitation", kwargs=pk, **MAY_INVITE_POSTED),
    Route("network_invite", own=COORDINATOR_ONLY),
    # Service and team pages: the team sees the service; its leads and coordinators manage it.
    Route(
        "service_detail",
        kind="service",
        kwargs=pk,
        own=expect(200, commissioner=404, outsider=404),
        other=expect(404),
    ),
    Route("service_edit", kind="service", kwargs=pk, own=MANAGES_TEAM, other=expect(404)),
    Route("service_invite", kind="service", kwargs=pk, own=MANAGES_TEAM, other=expect(404)),
    Route(
        "membership_deactivate", kind="membership", kwargs=pk, own=MANAGES_TEAM, other=expect(404)
    ),
    Route(
        "membership_deactivate",
        method="POST",
        kind="membership",
        kwargs=pk,
        own=expect(
            403,
            service_lead=302,
            lead_reviewer=302,
            coordinator=302,
            commissioner=404,
            outsider=404,
        ),
        other=expect(404),
    ),
    # The shell
    Route("home", own=SIGNED_IN),
    Route("api_token", own=SIGNED_IN),
    Route("invitation_accept", own=expect(404), kwargs=lambda _: {"token": "made-up-token"}),
    # Frameworks: every signed-in person reads; coordinators import and export.
    Route("standards:framework_list", own=SIGNED_IN),
    Route("standards:framework_upload", own=COORDINATOR_ONLY),
    Route("standards:format_guide", own=SIGNED_IN),
    Route("standards:version_detail", own=SIGNED_IN, kind="version", kwargs=version_kwargs),
    Route("standards:version_export", own=COORDINATOR_ONLY, kind="version", kwargs=version_kwargs),
    Route("framework-list", own=SIGNED_IN),
    Route(
        "framework-detail",
        own=SIGNED_IN,
        kind="version",
        kwargs=lambda v: {"slug": v.framework.slug},
    ),
    Route(
        "framework-import-document",
        method="POST",
        own=expect(403, coordinator=400),
        data=b"not: [a framework",
        content_type="application/yaml",
    ),
    Route("framework-export", own=COORDINATOR_ONLY, kind="version", kwargs=version_kwargs),
    Route("version-list", own=SIGNED_IN),
    Route("version-detail", own=SIGNED_IN, kind="version", kwargs=pk),
    Route("standard-list", own=SIGNED_IN),
    Route(
        "standard-detail",
        own=SIGNED_IN,
        kind="version",
        kwargs=lambda v: {"pk": v.standards.first().pk},
    ),
    # The network API: lists are filtered by the policy, so everyone gets 200 and their own rows.
    Route("me", own=SIGNED_IN),
    Route("organisation-list", own=SIGNED_IN),
    Route(
        "organisation-detail",
        kind="organisation",
        kwargs=pk,
        own=expect(200, commissioner=404, outsider=404),
        other=expect(404, coordinator=200),
    ),
    Route("service-list", own=SIGNED_IN),
    Route(
        "service-detail",
        kind="service",
        kwargs=pk,
        own=expect(200, commissioner=404, outsider=404),
        other=expect(404),
    ),
    Route("commissioningbody-list", own=SIGNED_IN),
    Route(
        "commissioningbody-detail",
        kind="body",
        kwargs=pk,
        own=expect(404, coordinator=200, commissioner=200),
        other=expect(404),
    ),
    Route("membership-list", own=SIGNED_IN),
    Route(
        "membership-detail",
        kind="membership",
        kwargs=pk,
        own=expect(200, commissioner=404, outsider=404),
        other=expect(404),
    ),
    Route(
        "membership-deactivate",
        method="POST",
        kind="membership",
        kwargs=pk,
        own=expect(
            403,
            service_lead=200,
            lead_reviewer=200,
            coordinator=200,
            commissioner=404,
            outsider=404,
        ),
        other=expect(404),
    ),
    Route("invitation-list", own=SIGNED_IN),
    Route(
        "invitation-detail",
        kind="invitation",
        kwargs=pk,
        own=expect(404, service_lead=200, lead_reviewer=200, coordinator=200),
        other=expect(404),
    ),
    Route(
        "invitation-resend",
        method="POST",
        kind="invitation",
        kwargs=pk,
        own=expect(404, service_lead=200, lead_reviewer=200, coordinator=200),
        other=expect(404),
    ),
    Route(
        "invitation-revoke",
        method="POST",
        kind="invitation",
        kwargs=pk,
        own=expect(404, service_lead=200, lead_reviewer=200, coordinator=200),
        other=expect(404),
    ),
    # API shell
    Route("api-root", own=SIGNED_IN),
    Route("api_schema", own=SIGNED_IN),
    Route("api_docs", own=SIGNED_IN),
]

# Routes of third-party apps, covered by prefix: the admin site sends everyone in the cast
# (none is staff) to its own login; allauth's account pages are the person's own account.
# The review cycle's routes, one module per screen so that each can grow on its own.
from tests.matrix.routes_allocation import ALLOCATION_ROUTES  # noqa: E402
from tests.matrix.routes_allocation_api import ALLOCATION_API_ROUTES  # noqa: E402
from tests.matrix.routes_cycles import CYCLE_ROUTES  # noqa: E402
from tests.matrix.routes_evidence import EVIDENCE_ROUTES  # noqa: E402
from tests.matrix.routes_findings import FINDINGS_ROUTES  # noqa: E402
from tests.matrix.routes_reviewers import REVIEWER_ROUTES  # noqa: E402
from tests.matrix.routes_reviewing import REVIEWING_ROUTES  # noqa: E402
from tests.matrix.routes_reviews import REVIEW_ROUTES  # noqa: E402
from tests.matrix.routes_reviews_api import REVIEW_API_ROUTES  # noqa: E402
from tests.matrix.routes_self_assessment import SELF_ASSESSMENT_ROUTES  # noqa: E402
from tests.matrix.routes_threads import THREADS_ROUTES  # noqa: E402
from tests.matrix.routes_visit import VISIT_ROUTES  # noqa: E402

# -- reports: pages --
# isort: split
from tests.matrix.routes_reports import REPORT_ROUTES  # noqa: E402

ROUTES += REPORT_ROUTES
# -- reports: actions and sharing --
# isort: split
from tests.matrix.routes_actions import ACTIONS_ROUTES  # noqa: E402

ROUTES += ACTIONS_ROUTES
# -- reports: learning --
from tests.matrix.routes_learning import LEARNING_ROUTES  # noqa: E402

ROUTES += LEARNING_ROUTES
# -- history: a review's full history --
from tests.matrix.routes_history import HISTORY_ROUTES  # noqa: E402

ROUTES += HISTORY_ROUTES
# -- bench: the paged list of the reports shared with a commissioning body (issue 9) --
ROUTES.append(
    Route(
        "reviews:shared_reports",
        kind="body",
        kwargs=pk,
        own=expect(404, coordinator=403, commissioner=200),
        other=expect(404),
    )
)

ROUTES += (
    REVIEW_ROUTES
    + CYCLE_ROUTES
    + SELF_ASSESSMENT_ROUTES
    + EVIDENCE_ROUTES
    + REVIEW_API_ROUTES
    + ALLOCATION_ROUTES
    + REVIEWER_ROUTES
    + ALLOCATION_API_ROUTES
    + VISIT_ROUTES
    + THREADS_ROUTES
    + REVIEWING_ROUTES
    + FINDINGS_ROUTES
)

FAMILIES: dict[str, dict[str, int]] = {
    "admin:": expect(302),
}
ACCOUNT_ROUTES: list[Route] = [
    Route("account_login", own=expect(302)),
    Route("account_logout", own=SIGNED_IN),
    Route("account_inactive", own=SIGNED_IN),
    Route("account_signup", own=expect(302)),
    Route("account_reauthenticate", own=SIGNED_IN),
    Route("account_email", own=SIGNED_IN),
    Route("account_email_verification_sent", own=SIGNED_IN),
    Route("account_change_password", own=SIGNED_IN),
    Route("account_set_password", own=expect(302)),
    Route("account_reset_password", own=SIGNED_IN),
    Route("account_confirm_login_code", own=expect(302)),
    # Reauthentication by an e-mailed code (allauth 65.22) is off: password reauthentication.
    Route("account_request_reauthentication_code", own=expect(302)),
    Route("account_confirm_reauthentication_code", own=expect(302)),
    Route("account_confirm_email", own=SIGNED_IN, kwargs=lambda _: {"key": "made-up"}),
    Route("account_reset_password_from_key_done", own=SIGNED_IN),
    Route(
        "account_reset_password_from_key",
        own=SIGNED_IN,
        kwargs=lambda _: {"uidb36": "zz", "key": "made-up"},
    ),
    Route("account_reset_password_done", own=SIGNED_IN),
    # Two-factor authentication (allauth.mfa): nobody in the cast has an authenticator app, so
    # the pages about one find nothing (404) or send them on, and setting one up first asks
    # for the password again (302).
    Route("mfa_index", own=SIGNED_IN),
    Route("mfa_authenticate", own=expect(302)),
    Route("mfa_reauthenticate", own=expect(302)),
    Route("mfa_activate_totp", own=expect(302)),
    Route("mfa_deactivate_totp", own=expect(404)),
    Route("mfa_view_recovery_codes", own=expect(404)),
    Route("mfa_generate_recovery_codes", own=expect(302)),
    Route("mfa_download_recovery_codes", own=expect(404)),
    # Single sign-on (allauth.socialaccount, OpenID Connect): no provider is configured in the
    # tests, so its sign-in and return addresses find nothing; sign-up is closed.
    Route("socialaccount_connections", own=SIGNED_IN),
    Route("socialaccount_login_cancelled", own=SIGNED_IN),
    Route("socialaccount_login_error", own=expect(401)),  # allauth answers 401
    Route("socialaccount_signup", own=expect(302)),
    Route("openid_connect_login", own=expect(404), kwargs=lambda _: {"provider_id": "made-up"}),
    Route("openid_connect_callback", own=expect(404), kwargs=lambda _: {"provider_id": "made-up"}),
]
