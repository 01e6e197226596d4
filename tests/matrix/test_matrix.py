"""The permission matrix: every route, every member of the cast, own and someone else's object.

Every URL pattern and API route the resolver knows must have an entry in table.py; a missing
one fails `test_every_route_is_in_the_table`.
"""

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.matrix.table import ACCOUNT_ROUTES, FAMILIES, ROUTES, Route
from tests.matrix.world import CAST, build_world

ALL_ROUTES = ROUTES + ACCOUNT_ROUTES


def resolver_route_names() -> set[str]:
    """Every named route, without DRF's format-suffix duplicates."""

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
                yield from walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern):
                yield namespace + (pattern.name or str(pattern.pattern))

    return set(walk(get_resolver().url_patterns))


def test_every_route_is_in_the_table():
    covered = {route.name for route in ALL_ROUTES}
    missing = {
        name
        for name in resolver_route_names()
        if name not in covered and not any(name.startswith(prefix) for prefix in FAMILIES)
    }

    assert not missing, f"routes with no entry in tests/matrix/table.py: {sorted(missing)}"


def test_the_table_names_only_real_routes():
    assert {route.name for route in ALL_ROUTES} <= resolver_route_names()


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """One world for the whole module, built once inside a transaction that is rolled back at
    the end; each test runs in its own savepoint within it (pytest-django's `db`), and each
    request in a further one, so nothing one case does is seen by the next."""
    with django_db_blocker.unblock(), transaction.atomic():
        built = build_world()
        yield built
        transaction.set_rollback(True)


def request(client: Client, route: Route, obj) -> int:
    kwargs = route.kwargs(obj) if route.kwargs else {}
    url = reverse(route.name, kwargs=kwargs)
    # Each request runs in a savepoint that is rolled back, so one role's successful write
    # does not change what the next role finds.
    with transaction.atomic():
        if route.method == "GET":
            response = client.get(url)
        else:
            response = client.generic(
                route.method,
                url,
                route.data or b"",
                content_type=route.content_type or "application/x-www-form-urlencoded",
            )
        transaction.set_rollback(True)
    return response.status_code


@pytest.mark.django_db
@pytest.mark.parametrize("route", ALL_ROUTES, ids=lambda r: f"{r.method} {r.name}")
def test_route_gives_each_role_what_the_policy_says(world, route: Route):
    mismatches = []
    for role in CAST:
        client = Client()
        client.force_login(world.people[role])
        cases = [("own", route.own)] + ([("other", route.other)] if route.other else [])
        for which, expected in cases:
            obj = None
            if route.kind:
                obj = (
                    world.own(role, route.kind) if which == "own" else world.other(role, route.kind)
                )
            status = request(client, route, obj)
            if status != expected[role]:
                mismatches.append(f"{role} on {which}: expected {expected[role]}, got {status}")

    assert not mismatches, f"{route.method} {route.name}:\n" + "\n".join(mismatches)


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", sorted(FAMILIES))
def test_route_family_gives_each_role_what_the_policy_says(world, prefix):
    index = {"admin:": "admin:index"}[prefix]
    for role in CAST:
        client = Client()
        client.force_login(world.people[role])

        assert client.get(reverse(index)).status_code == FAMILIES[prefix][role], role


def count_cases() -> int:
    """How many (route, role, object) cases the matrix checks; printed in closing notes."""
    return sum(len(CAST) * (2 if route.other else 1) for route in ALL_ROUTES) + len(FAMILIES) * len(
        CAST
    )
