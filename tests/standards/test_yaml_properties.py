"""Property tests: whatever a framework file contains, import either succeeds or explains why.

Hypothesis mutates a valid document at random. Each example runs in a savepoint that is rolled
back afterwards, so examples never see each other's rows.
"""

import copy
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from standards.models import (
    Crosswalk,
    CrosswalkLink,
    Domain,
    Framework,
    FrameworkVersion,
    Standard,
)
from standards.yaml_format import (
    FrameworkImportError,
    ImportProblem,
    ImportResult,
    export_framework,
    import_framework,
    read_document,
)

# The function-scoped fixture here is the test database, which each example leaves as it found
# it by rolling back its own savepoint.
PROPERTY_SETTINGS = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

FIRST_EDITION = {
    "framework": {
        "slug": "property-charter",
        "name": "Property Charter",
        "version": "1.0",
        "description": "A charter used by the property tests.",
        "licence": "CC BY 4.0",
    },
    "domains": [
        {
            "code": "A",
            "name": "Arriving",
            "summary": "The first days.",
            "standards": [
                {
                    "code": "A-1",
                    "title": "Welcome",
                    "statement": "People are welcomed by name.",
                    "type": "essential",
                    "guidance": "Plan the first day together.",
                    "evidence_prompts": ["Who met you?", "Who checked in later?"],
                    "ask": ["people_using_service", "staff"],
                },
                {
                    "code": "A-2",
                    "title": "A plan",
                    "statement": "Each person writes a plan.",
                    "type": "expected",
                },
            ],
        },
        {
            "code": "B",
            "name": "Belonging",
            "standards": [
                {
                    "code": "B-1",
                    "title": "Shared meals",
                    "statement": "Staff and residents eat together.",
                    "type": "desirable",
                    "ask": ["leaders"],
                }
            ],
        },
    ],
}


def second_edition() -> dict[str, Any]:
    document = copy.deepcopy(FIRST_EDITION)
    document["framework"]["version"] = "2.0"
    document["crosswalk"] = {
        "from": "property-charter@1.0",
        "standards": [
            {"from": "A-1", "to": "A-1", "relation": "equal"},
            {"from": "A-2", "to": "A-2", "relation": "broader"},
            {"from": "B-1", "to": "B-1", "relation": "related"},
        ],
    }
    return document


def dump(document: object) -> str:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def row_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Framework, FrameworkVersion, Domain, Standard, Crosswalk, CrosswalkLink)
    }


# Values a careless or hostile writer might put anywhere.
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.dates(),
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            "   ",
            "A",
            "A-1",
            "B-1",
            "essential",
            "Essential",
            "vital",
            "equal",
            "staff",
            "property-charter@1.0",
            "property-charter@2.0",
            "other@1.0",
            "1.0",
            "2/0",
            "x" * 20_001,
            "t" * 301,
            "n" * 201,
            "line\nbreak",
            "nul\x00",
        ]
    ),
)
values = st.one_of(
    scalars,
    st.lists(scalars, max_size=4),
    st.dictionaries(st.sampled_from(["code", "name", "title", "x"]), scalars, max_size=3),
)
keys = st.sampled_from(
    ["code", "name", "title", "type", "colour", "Code", "license", "prompts", "from", 1, None]
)


def containers(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Every mapping and list in the document, with the path that leads to it."""
    yield path, node
    children = node.items() if isinstance(node, dict) else enumerate(node)
    for key, child in children:
        if isinstance(child, dict | list):
            yield from containers(child, (*path, key))


def mutate(document: dict[str, Any], data: st.DataObject) -> None:
    """Apply one random change somewhere in the document."""
    _path, node = data.draw(st.sampled_from(list(containers(document))))
    if isinstance(node, dict):
        operation = data.draw(
            st.sampled_from(["delete", "add", "replace", "code", "type", "reorder"])
        )
        present = list(node)
        if operation == "reorder":
            # Key order is layout, not content: this one keeps a valid document valid.
            items = list(node.items())
            node.clear()
            node.update(reversed(items))
        elif operation == "delete" and present:
            del node[data.draw(st.sampled_from(present))]
        elif operation == "add":
            node[data.draw(keys)] = data.draw(values)
        elif operation == "replace" and present:
            node[data.draw(st.sampled_from(present))] = data.draw(values)
        elif operation == "code":
            node["code"] = data.draw(st.sampled_from(["A", "B", "A-1", "B-1", "A 1", "-x"]))
        elif operation == "type":
            node["type"] = data.draw(
                st.sampled_from(["essential", "expected", "desirable", "Desirable", "must", 3])
            )
    else:
        operation = data.draw(st.sampled_from(["truncate", "repeat", "replace", "append"]))
        if operation == "truncate":
            del node[data.draw(st.integers(0, len(node))) :]
        elif operation == "repeat" and node:
            node.append(copy.deepcopy(data.draw(st.sampled_from(node))))
        elif operation == "replace" and node:
            node[data.draw(st.integers(0, len(node) - 1))] = data.draw(values)
        elif operation == "append":
            node.append(data.draw(values))


def attempt(text: str, source: str) -> ImportResult | FrameworkImportError:
    """The import's outcome as a value; any other exception fails the test."""
    try:
        result = import_framework(text, source=source)
    except FrameworkImportError as error:
        event("refused")
        return error
    event("imported" if result.created else "already imported")
    return result


@pytest.mark.django_db
@PROPERTY_SETTINGS
@given(data=st.data())
def test_import_mutated_document_imports_or_reports_problems_and_changes_nothing(data):
    document = second_edition()
    for _ in range(data.draw(st.integers(1, 4), label="mutations")):
        mutate(document, data)
    text = dump(document)
    if data.draw(st.integers(0, 9), label="cut the text short") == 0:
        text = text[: data.draw(st.integers(0, len(text)))]

    with transaction.atomic():
        import_framework(dump(FIRST_EDITION), source="first.yaml")
        before = row_counts()
        outcome = attempt(text, source="mutated.yaml")
        if isinstance(outcome, FrameworkImportError):
            assert outcome.problems
            assert all(isinstance(problem, ImportProblem) for problem in outcome.problems)
            assert all(problem.message for problem in outcome.problems)
            assert row_counts() == before
        else:
            exported = yaml.safe_load(export_framework(outcome.version))
            assert exported == read_document(text, source="mutated.yaml")
        transaction.set_rollback(True)


@pytest.mark.django_db
@PROPERTY_SETTINGS
@given(text=st.text(max_size=120), title=st.text(max_size=40))
def test_export_round_trips_any_text_that_import_accepts(text, title):
    document = copy.deepcopy(FIRST_EDITION)
    standard = document["domains"][0]["standards"][0]
    standard["title"] = f"Welcome {title}"
    standard["guidance"] = text
    standard["evidence_prompts"] = [f"{text}?"]
    document["domains"][1]["summary"] = text * 3

    with transaction.atomic():
        outcome = attempt(dump(document), source="text.yaml")
        if isinstance(outcome, FrameworkImportError):
            # Only the documented text rules may refuse otherwise valid text.
            assert {problem.message.split(" U+")[0] for problem in outcome.problems} <= {
                "contains the control character",
                "must be on one line",
            }
        else:
            exported = export_framework(outcome.version)
            assert yaml.safe_load(exported) == read_document(dump(document), source="text.yaml")
            assert import_framework(exported, source="export.yaml").created is False
        transaction.set_rollback(True)
