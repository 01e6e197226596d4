"""The world the API fuzzer runs in, and how one generated request is sent and judged.

The world is the demo network (`import_framework fixtures/*.yaml`, then `seed_demo`), so lists
and details answer with real objects. Six people sign in, one for each main role, each through a
session cookie and a CSRF token, as a browser-based client of the API would. Path parameters are
drawn from the ids of real rows as well as from Schemathesis's own guesses, so details, moves and
writes reach the code past the 404.

Each request runs in a savepoint that is rolled back, so nothing one case writes is seen by the
next, and the same case is sent as every role.
"""

from __future__ import annotations

import io
import secrets
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import hypothesis
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import Client, override_settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from assurance import invitations
from assurance.models import CommissionerMembership, Membership, User
from reviews.models import Assignment, Cycle, ReportShare, Review, ReviewerRole
from standards.models import Framework, FrameworkVersion

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
SCHEMA_PATH = "/api/v1/schema/?format=json"
SEED = 20261126

ROLES = (
    "coordinator",
    "service_lead",
    "lived_experience",
    "lead_reviewer",
    "peer_reviewer",
    "commissioner",
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

# Resources whose viewset names no model of its own (the router's prefix, then the model whose
# ids its `{id}` takes). The rest are read from the viewset's serializer.
MODELS_BY_PREFIX = {
    "framework-versions": FrameworkVersion,
    "reviews": Review,
    "learning-reports": Cycle,  # a cycle's learning report, by the cycle's id
    "shares": ReportShare,
}


@dataclass
class World:
    people: dict[str, User] = field(default_factory=dict)
    sessions: dict[str, str] = field(default_factory=dict)
    csrf_token: str = ""
    schema: schemathesis.BaseSchema | None = None
    # operation path -> the real path parameters it can be called with
    real_paths: dict[str, list[dict]] = field(default_factory=dict)
    # (role, status code) -> how many responses; for the run's summary and its checks
    answers: Counter = field(default_factory=Counter)

    def requests_by_role(self) -> dict[str, int]:
        return {role: sum(n for (r, _), n in self.answers.items() if r == role) for role in ROLES}

    def statuses(self) -> dict[int, int]:
        found = Counter()
        for (_, code), n in self.answers.items():
            found[code] += n
        return dict(sorted(found.items()))

    def summary(self) -> str:
        return f"requests by role: {self.requests_by_role()}; by status: {self.statuses()}"

    def cookies(self, role: str) -> dict[str, str]:
        return {"sessionid": self.sessions[role], "csrftoken": self.csrf_token}

    @property
    def headers(self) -> dict[str, str]:
        return {"X-CSRFToken": self.csrf_token}


def build_demo() -> None:
    call_command("import_framework", *sorted(str(p) for p in FIXTURES.glob("*.yaml")), verbosity=0)
    call_command("seed_demo", stdout=io.StringIO())


def cast() -> dict[str, User]:
    """One person for each main role, each where the demo gives them the most to see: the
    host of a shared report, its lived-experience contributor and a commissioner of the body it
    is shared with; a lead reviewer drafting findings, a peer reviewer on a visit under way."""
    share = ReportShare.objects.filter(revoked_at__isnull=True).order_by("pk").first()
    service = share.review.service
    members = Membership.objects.active().filter(service=service)
    lead = Assignment.objects.filter(
        role=ReviewerRole.LEAD,
        status=Assignment.Status.ACCEPTED,
        review__status__in=[Review.Status.DRAFTING, Review.Status.ACCURACY_CHECK],
    ).order_by("pk")
    peer = Assignment.objects.filter(
        role=ReviewerRole.PEER,
        status=Assignment.Status.ACCEPTED,
        review__status=Review.Status.PEER_REVIEW,
    ).order_by("pk")
    return {
        "coordinator": User.objects.get(email="coordinator@demo.example"),
        "service_lead": members.get(role=Membership.Role.SERVICE_LEAD).user,
        "lived_experience": members.filter(role=Membership.Role.LIVED_EXPERIENCE).first().user,
        "lead_reviewer": lead.first().reviewer.user,
        "peer_reviewer": peer.first().reviewer.user,
        "commissioner": CommissionerMembership.objects.active()
        .filter(body=share.body)
        .first()
        .user,
    }


def session_key(person: User) -> str:
    client = Client()
    client.force_login(person)
    session = client.session
    # The idle limit would count from sign-in only, since every request's session write is
    # rolled back; a long run must not sign its people out halfway.
    session.set_expiry(timedelta(hours=8))
    session.save()
    return session.session_key


def real_paths(schema) -> dict[str, list[dict]]:
    """For each operation path with parameters, the parameters of real rows."""
    from assurance.api import router

    models = {
        prefix: MODELS_BY_PREFIX.get(prefix) or viewset.serializer_class.Meta.model
        for prefix, viewset, _ in router.registry
    }
    versions = FrameworkVersion.objects.select_related("framework").order_by("pk")
    found = {}
    for path in schema.raw_schema["paths"]:
        prefix = path.removeprefix("/api/v1/").split("/")[0]
        if "{" not in path:
            continue
        if "{label}" in path:
            rows = [{"slug": v.framework.slug, "label": v.label} for v in versions]
        elif "{slug}" in path:
            rows = [{"slug": slug} for slug in Framework.objects.values_list("slug", flat=True)]
        else:
            name = path.split("{")[1].split("}")[0]
            pks = models[prefix].objects.order_by("pk").values_list("pk", flat=True)
            if name == "review":  # reviewers' summaries are looked up by their review
                pks = models[prefix].objects.order_by("pk").values_list("review_id", flat=True)
            rows = [{name: pk} for pk in pks]
        found[path] = rows
    return found


def invite_someone(people: dict[str, User]) -> None:
    """The demo sends no invitations; one waiting to be accepted gives those routes a row."""
    lead = people["service_lead"]
    service = Membership.objects.active().get(user=lead, role=Membership.Role.SERVICE_LEAD).service
    invitations.invite(
        invited_by=lead,
        email="new.staff@demo.example",
        role=Membership.Role.STAFF,
        network=service.network,
        service=service,
    )


def build_world() -> World:
    build_demo()
    world = World(people=cast(), csrf_token=secrets.token_hex(16))
    invite_someone(world.people)
    for role, person in world.people.items():
        world.sessions[role] = session_key(person)
    return world


def load_schema(world: World):
    """The schema as `/api/v1/schema/` serves it, fetched through Django's WSGI handler."""
    schema = schemathesis.openapi.from_wsgi(SCHEMA_PATH, WSGIHandler())
    world.real_paths = real_paths(schema)
    return schema


class DirectRequests:
    """Requests go straight to Django's WSGI handler, in this thread and on this connection, so
    each one can run in a savepoint. Django's handler closes "old" connections at the start and
    end of every request; inside a transaction that would break it, so those two receivers are
    off while the fuzzer runs (Django's own test client does the same). Schemathesis's WSGI
    client calls the site `localhost`, which the test settings do not otherwise allow."""

    def __enter__(self):
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        self.hosts = override_settings(ALLOWED_HOSTS=["localhost"])
        self.hosts.enable()
        return self

    def __exit__(self, *exc):
        self.hosts.disable()
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def strategy(operation, world: World):
    """Valid and invalid requests, with real rows' ids as well as made-up ones."""
    modes = [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]
    made_up = st.one_of(*(operation.as_strategy(mode) for mode in modes))
    rows = world.real_paths.get(operation.path)
    if not rows:
        return made_up
    real = st.sampled_from(rows).flatmap(
        lambda params: st.one_of(
            *(operation.as_strategy(mode, path_parameters=params) for mode in modes)
        )
    )
    return st.one_of(real, made_up)


def send_as_everyone(case, world: World) -> None:
    """Send `case` as each role, each in a savepoint rolled back afterwards; raise the first
    check that fails, naming the role."""
    for role in ROLES:
        with transaction.atomic():
            response = case.call(headers=world.headers, cookies=world.cookies(role))
            transaction.set_rollback(True)
        world.answers[role, response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=world.headers)
        except (Exception, BaseExceptionGroup) as failure:
            failure.add_note(f"Sent as the {role.replace('_', ' ')}.")
            raise


def fuzz(operation, world: World, max_examples: int) -> None:
    """Run Hypothesis over one operation with a seed of its own, so a run is repeatable."""

    @hypothesis.seed(SEED ^ zlib.crc32(operation.label.encode()))
    @hypothesis.settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=False,
        suppress_health_check=list(hypothesis.HealthCheck),
        phases=[hypothesis.Phase.generate, hypothesis.Phase.shrink],
        verbosity=hypothesis.Verbosity.quiet,
    )
    @hypothesis.given(case=strategy(operation, world))
    def run(case):
        send_as_everyone(case, world)

    run()


def checked_answer(schema, method: str, path: str, person: User, **parts):
    """One request made by hand (`path_parameters`, `query`, `body`, `headers`), sent as
    `person` the way the fuzzer sends its own, and judged by the same checks; the response.
    For the regression tests, which run in a transaction of their own (`DirectRequests` on)."""
    if "body" in parts:
        parts.setdefault("media_type", "application/json")
    case = schema[path][method].Case(**parts)
    csrf = secrets.token_hex(16)
    cookies = {"sessionid": session_key(person), "csrftoken": csrf}
    headers = {"X-CSRFToken": csrf}
    response = case.call(headers=headers, cookies=cookies)
    case.validate_response(response, checks=CHECKS, headers=headers)
    return response


def describe(failure: BaseException) -> str:
    """Schemathesis's own report of a failure (the checks, the response, a curl line to
    reproduce it), with the role it was sent as."""
    parts = [failure.message if isinstance(failure, BaseExceptionGroup) else repr(failure)]
    parts += getattr(failure, "__notes__", [])
    return "\n".join(parts)
