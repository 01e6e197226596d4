"""Schemathesis against the API's own OpenAPI schema (`/api/v1/schema/`), as each main role.

For every operation in the schema, Hypothesis generates valid and invalid requests (with real
rows' ids as well as made-up ones), and each is sent as the coordinator, a service lead, a
lived-experience contributor, a lead reviewer, a peer reviewer and a commissioner. Every
response must:

- not be a server error (5xx);
- have a status code the schema declares for the operation;
- have a content type the schema declares for that status;
- have a body that matches the schema declared for that status.

`make test` runs a bounded pass: a few examples per operation, each operation from a fixed seed,
so every run sends the same requests. The long run sends many more (README, "API fuzzing"):
`pytest -m fuzz_long tests/api` or `FUZZ_LONG=1 pytest tests/api`, with FUZZ_EXAMPLES
examples per operation (60 unless set). How the world is built and requests are sent:
tests/api/fuzzing.py. Each bug the fuzzer found has a test in test_fuzz_regressions.py.
"""

import os

import pytest
from django.db import transaction

from tests.api import fuzzing

pytestmark = pytest.mark.django_db

BOUNDED_EXAMPLES = 3
LONG_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The demo network, built once for the module inside a transaction rolled back at the
    end; each request runs in a savepoint of its own within it."""
    with django_db_blocker.unblock(), fuzzing.DirectRequests(), transaction.atomic():
        built = fuzzing.build_world()
        built.schema = fuzzing.load_schema(built)
        yield built
        transaction.set_rollback(True)


def fuzz_every_operation(world, max_examples: int) -> list[str]:
    """Fuzz each operation in turn; every operation runs even when an earlier one fails, and
    the test fails at the end with each failing operation's report."""
    labels, failures = [], []
    for result in world.schema.get_all_operations():
        operation = result.ok()
        labels.append(operation.label)
        try:
            fuzzing.fuzz(operation, world, max_examples)
        except (Exception, BaseExceptionGroup) as failure:  # reported below, with the others
            failures.append(f"=== {operation.label}\n{fuzzing.describe(failure)}")
    assert not failures, f"{len(failures)} operations failed:\n\n" + "\n\n".join(failures)
    return labels


def test_schema_lists_every_operation_with_real_rows_for_its_parameters(world):
    operations = [result.ok() for result in world.schema.get_all_operations()]

    assert len(operations) >= 120
    with_parameters = {op.path for op in operations if "{" in op.path}
    assert with_parameters == set(world.real_paths)
    empty = sorted(path for path, rows in world.real_paths.items() if not rows)
    assert empty == []


@pytest.mark.skipif(bool(os.environ.get("FUZZ_LONG")), reason="FUZZ_LONG runs the long pass")
def test_api_answers_every_role_within_its_schema(world):
    labels = fuzz_every_operation(world, BOUNDED_EXAMPLES)

    print(f"\nfuzz: {len(labels)} operations; {world.summary()}")
    by_role = world.requests_by_role()
    assert min(by_role.values()) >= len(labels)
    # Every role was signed in: each was let in somewhere, and refused somewhere else.
    for role in fuzzing.ROLES:
        assert world.answers[role, 200] > 0, role
        assert world.answers[role, 403] + world.answers[role, 404] > 0, role


@pytest.mark.fuzz_long
def test_api_answers_every_role_within_its_schema_long(world):
    labels = fuzz_every_operation(world, LONG_EXAMPLES)

    print(f"\nfuzz (long): {len(labels)} operations; {world.summary()}")
    assert min(world.requests_by_role().values()) >= len(labels)
