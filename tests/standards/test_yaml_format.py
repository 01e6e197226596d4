"""The framework YAML format: what imports, what is refused and with which message, and export."""

import copy
import time
from pathlib import Path

import pytest
import yaml

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
    export_framework,
    import_framework,
    read_document,
)

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = sorted((ROOT / "fixtures").glob("*.yaml"))
DATA = Path(__file__).resolve().parent / "data"
OUTSIDER = DATA / "outsider-framework.yaml"
OUTSIDER_2 = DATA / "outsider-framework-2.yaml"

MINIMAL = """\
framework:
  slug: small-charter
  name: Small Charter
  version: "1.0"
domains:
  - code: A
    name: Arriving
    standards:
      - code: A-1
        title: Welcome
        statement: People are welcomed by name.
        type: essential
"""


def full_document() -> dict:
    """A document that uses every key, built fresh for each test to change freely."""
    return {
        "framework": {
            "slug": "small-charter",
            "name": "Small Charter",
            "version": "1.0",
            "description": "A charter for a small service.",
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
                    }
                ],
            },
        ],
    }


def dump(document: object) -> str:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def second_edition() -> dict:
    """Version 2.0 of the full document, with a crosswalk from 1.0."""
    document = full_document()
    document["framework"]["version"] = "2.0"
    document["domains"][0]["standards"][1]["statement"] = "Each person writes and reviews a plan."
    document["crosswalk"] = {
        "from": "small-charter@1.0",
        "standards": [
            {"from": "A-1", "to": "A-1", "relation": "equal"},
            {"from": "A-2", "to": "A-2", "relation": "broader"},
            {"from": "B-1", "to": "B-1", "relation": "equal"},
        ],
    }
    return document


def problems_of(data: bytes | str, source: str = "test.yaml") -> list[ImportProblem]:
    with pytest.raises(FrameworkImportError) as caught:
        import_framework(data, source=source)
    return caught.value.problems


def row_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Framework, FrameworkVersion, Domain, Standard, Crosswalk, CrosswalkLink)
    }


def assert_nothing_stored() -> None:
    assert set(row_counts().values()) == {0}


def clear_database() -> None:
    """Delete every framework row, in the order the PROTECT foreign keys allow."""
    for model in (CrosswalkLink, Crosswalk, Standard, Domain, FrameworkVersion, Framework):
        model.objects.all().delete()


def many_domains(domains: int, standards_each: int) -> dict:
    document = full_document()
    document["domains"] = [
        {
            "code": f"D{d}",
            "name": f"Domain {d}",
            "standards": [
                {
                    "code": f"D{d}-{s}",
                    "title": f"Standard {s}",
                    "statement": "A statement about relational practice.",
                    "type": "expected",
                }
                for s in range(standards_each)
            ],
        }
        for d in range(domains)
    ]
    return document


# Good imports --------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", FIXTURES, ids=[path.name for path in FIXTURES])
def test_import_fixture_files_create_published_versions(path):
    document = yaml.safe_load(path.read_text(encoding="utf-8"))

    result = import_framework(path.read_bytes(), source=path.name)

    assert result.created is True
    assert result.version.status == FrameworkVersion.Status.PUBLISHED
    assert result.version.label == document["framework"]["version"]
    assert result.version.domains.count() == len(document["domains"])
    assert result.version.standards.count() == sum(
        len(domain["standards"]) for domain in document["domains"]
    )


def test_fixture_files_are_present():
    assert len(FIXTURES) >= 2


@pytest.mark.django_db
def test_import_minimal_document_stores_every_value(user):
    result = import_framework(MINIMAL, source="small.yaml", user=user)

    version = result.version
    assert result.created is True
    assert (version.framework.slug, version.framework.name) == ("small-charter", "Small Charter")
    assert (version.framework.description, version.framework.licence) == ("", "")
    assert version.label == "1.0"
    assert version.imported_by == user
    assert len(version.content_sha256) == 64
    domain = version.domains.get()
    assert (domain.code, domain.name, domain.summary, domain.order) == ("A", "Arriving", "", 1)
    standard = version.standards.get()
    assert standard.domain == domain
    assert (standard.code, standard.title, standard.type, standard.order) == (
        "A-1",
        "Welcome",
        "essential",
        1,
    )
    assert (standard.guidance, standard.evidence_prompts, standard.ask) == ("", [], [])


@pytest.mark.django_db
def test_import_full_document_keeps_document_order():
    version = import_framework(dump(full_document()), source="full.yaml").version

    assert list(version.domains.order_by("order").values_list("code", "order")) == [
        ("A", 1),
        ("B", 2),
    ]
    assert list(version.standards.order_by("order").values_list("code", "order")) == [
        ("A-1", 1),
        ("A-2", 2),
        ("B-1", 3),
    ]
    first = version.standards.get(code="A-1")
    assert first.evidence_prompts == ["Who met you?", "Who checked in later?"]
    assert first.ask == ["people_using_service", "staff"]
    assert version.framework.licence == "CC BY 4.0"


@pytest.mark.django_db
def test_import_strips_surrounding_whitespace_from_every_string():
    document = full_document()
    document["framework"]["name"] = "  Small Charter \t"
    document["domains"][0]["code"] = " A "
    document["domains"][0]["standards"][0]["statement"] = "\n  People are welcomed.\n\n"
    document["domains"][0]["standards"][0]["evidence_prompts"] = ["  Who met you?  "]
    document["domains"][0]["standards"][0]["type"] = " essential "

    version = import_framework(dump(document), source="spaces.yaml").version

    standard = version.standards.get(code="A-1")
    assert version.framework.name == "Small Charter"
    assert version.domains.filter(code="A").exists()
    assert standard.statement == "People are welcomed."
    assert standard.evidence_prompts == ["Who met you?"]
    assert standard.type == "essential"


@pytest.mark.django_db
def test_import_empty_optional_values_count_as_absent():
    document = full_document()
    document["framework"]["description"] = None
    document["framework"]["licence"] = "   "
    standard = document["domains"][0]["standards"][0]
    standard.update(guidance="", evidence_prompts=None, ask=[])

    version = import_framework(dump(document), source="empty.yaml").version

    assert version.framework.licence == ""
    assert "licence" not in yaml.safe_load(export_framework(version))["framework"]
    stored = version.standards.get(code="A-1")
    assert (stored.guidance, stored.evidence_prompts, stored.ask) == ("", [], [])


@pytest.mark.django_db
def test_import_identical_document_again_is_a_no_op():
    first = import_framework(MINIMAL, source="small.yaml")
    before = row_counts()

    again = import_framework(MINIMAL, source="small.yaml")

    assert again.created is False
    assert again.version == first.version
    assert row_counts() == before


@pytest.mark.django_db
def test_import_same_content_with_different_layout_is_a_no_op():
    import_framework(MINIMAL, source="small.yaml")
    relaid = (
        "# The same content, written differently.\n"
        'framework: {slug: small-charter, name: "Small Charter", version: "1.0"}\n'
        "domains:\n"
        "- {code: A, name: Arriving, summary: '', standards: [{code: A-1, title: Welcome,\n"
        "   statement: '  People are welcomed by name.', type: essential}]}\n"
    )

    result = import_framework(relaid, source="relaid.yaml")

    assert result.created is False
    assert FrameworkVersion.objects.count() == 1


@pytest.mark.django_db
def test_import_changed_content_under_the_same_label_is_refused():
    import_framework(MINIMAL, source="small.yaml")
    before = row_counts()

    problems = problems_of(MINIMAL.replace("welcomed by name", "welcomed warmly"))

    assert problems == [
        ImportProblem(
            "framework.version",
            "version 1.0 of small-charter already exists with different content; a published "
            "version never changes, so give a changed edition a new version label",
        )
    ]
    assert row_counts() == before
    assert Standard.objects.get().statement == "People are welcomed by name."


@pytest.mark.django_db
def test_import_new_label_creates_a_second_version():
    first = import_framework(MINIMAL, source="small.yaml").version

    second = import_framework(MINIMAL.replace('"1.0"', '"1.1"'), source="small-1.1.yaml")

    assert second.created is True
    assert second.version.framework == first.framework
    assert list(first.framework.versions.order_by("label").values_list("label", flat=True)) == [
        "1.0",
        "1.1",
    ]
    assert Standard.objects.count() == 2


@pytest.mark.django_db
def test_import_crosswalk_links_standards_of_two_versions():
    import_framework(dump(full_document()), source="v1.yaml")

    version = import_framework(dump(second_edition()), source="v2.yaml").version

    crosswalk = Crosswalk.objects.get(to_version=version)
    assert crosswalk.from_version.reference == "small-charter@1.0"
    links = list(
        crosswalk.links.order_by("order").values_list(
            "source__code", "source__version__label", "target__code", "relation", "order"
        )
    )
    assert links == [
        ("A-1", "1.0", "A-1", "equal", 1),
        ("A-2", "1.0", "A-2", "broader", 2),
        ("B-1", "1.0", "B-1", "equal", 3),
    ]


@pytest.mark.django_db
def test_import_outsider_files_with_crosswalk():
    first = import_framework(OUTSIDER.read_bytes(), source=OUTSIDER.name)

    second = import_framework(OUTSIDER_2.read_bytes(), source=OUTSIDER_2.name)

    assert (first.created, second.created) == (True, True)
    assert second.version.crosswalk_in.from_version == first.version
    assert second.version.crosswalk_in.links.count() == 9
    assert first.version.standards.get(code="LIV-3").title == "Named after Zoë Adébáyọ̀"


@pytest.mark.django_db
def test_import_accepts_utf8_bom_and_bytes():
    result = import_framework(b"\xef\xbb\xbf" + MINIMAL.encode(), source="bom.yaml")

    assert result.version.framework.slug == "small-charter"


@pytest.mark.django_db
def test_import_limits_are_inclusive():
    document = many_domains(200, 10)
    document["domains"][0]["standards"][0]["statement"] = "x" * 20_000
    document["domains"][0]["standards"][0]["title"] = "t" * 300

    version = import_framework(dump(document), source="largest.yaml").version

    assert version.domains.count() == 200
    assert version.standards.count() == 2_000


@pytest.mark.django_db
def test_import_2000_standards_writes_in_bulk(django_assert_max_num_queries):
    text = dump(many_domains(100, 20))

    # Bulk inserts, not one per row. Django 5.2 sends at most 999 parameters per SQLite
    # statement, so 2,000 standards still take a couple of dozen INSERTs there.
    with django_assert_max_num_queries(50):
        version = import_framework(text, source="big.yaml").version

    assert version.standards.count() == 2_000


@pytest.mark.django_db
def test_import_version_label_that_looks_like_a_number_stays_text():
    version = import_framework(MINIMAL.replace('"1.0"', '"2027.10"'), source="x.yaml").version

    text = export_framework(version)

    assert 'version: "2027.10"' in text
    assert yaml.safe_load(text)["framework"]["version"] == "2027.10"


# Refused documents: one test per kind of problem ----------------------------------------------


@pytest.mark.django_db
def test_import_wrong_type_names_what_was_found():
    document = full_document()
    document["domains"][0]["standards"][1]["title"] = ["Welcome"]

    problems = problems_of(dump(document))

    assert problems == [
        ImportProblem("domains[0].standards[1].title", "expected a string, found a list")
    ]
    assert_nothing_stored()


@pytest.mark.django_db
def test_import_number_where_text_expected_suggests_quotes():
    document = full_document()
    document["domains"][1]["code"] = 7

    problems = problems_of(dump(document))

    assert problems == [
        ImportProblem("domains[1].code", "expected a string, found a number; put it in quotes")
    ]
    assert_nothing_stored()


@pytest.mark.django_db
def test_import_unknown_key_lists_the_allowed_keys():
    document = full_document()
    document["domains"][0]["colour"] = "blue"

    problems = problems_of(dump(document))

    assert problems == [
        ImportProblem(
            "domains[0].colour", "unknown key; allowed keys are code, name, summary, standards"
        )
    ]
    assert_nothing_stored()


@pytest.mark.django_db
def test_import_missing_required_key_is_named():
    document = full_document()
    del document["domains"][0]["standards"][1]["statement"]

    problems = problems_of(dump(document))

    assert problems == [
        ImportProblem("domains[0].standards[1].statement", "required key is missing")
    ]
    assert_nothing_stored()


@pytest.mark.django_db
def test_import_missing_lists_and_blocks_are_reported_once_each():
    document = full_document()
    del document["domains"][1]["standards"]
    del document["framework"]

    problems = problems_of(dump(document))

    assert problems == [
        ImportProblem("framework", "required key is missing"),
        ImportProblem("domains[1].standards", "required key is missing"),
    ]
    assert_nothing_stored()


@pytest.mark.django_db
def test_import_block_of_the_wrong_shape_says_what_was_expected():
    document = full_document()
    document["framework"] = "small-charter"
    document["domains"][0]["standards"][0] = "A-1"
    document["domains"][1]["standards"] = {"code": "B-1"}

    problems = problems_of(dump(document))

    assert problems == [
        ImportProblem(
            "framework",
            "expected a mapping with the keys slug, name, version, description and licence, "
            "found a string",
        ),
        ImportProblem(
            "domains[0].standards[0]",
            "expected a mapping with the keys code, title, statement, type, guidance, "
            "evidence_prompts, ask, found a string",
        ),
        ImportProblem("domains[1].standards", "expected a list of standards, found a mapping"),
    ]
    assert_nothing_stored()


@pytest.mark.django_db
def test_import_blank_required_text_is_refused():
    document = full_document()
    document["domains"][0]["name"] = "   "

    problems = problems_of(dump(document))

    assert problems == [ImportProblem("domains[0].name", "must not be blank")]
    assert_nothing_stored()


@pytest.mark.django_db
def test_import_duplicate_standard_code_names_both_places():
    document = full_document()
    document["domains"][1]["standards"][0]["code"] = "A-1"

    problems = problems_of(dump(document))

    assert problems == [
        ImportProblem(
            "domains[1].standards[0].code",
            "the standard code A-1 is already used at domains[0].standards[0].code; standard "
            "codes must be unique across the whole version",
        )
    ]
    assert_nothing_stored()


@pytest.mark.django_db
def test_import_duplicate_domain_code_names_both_places():
    document = full_document()
    document["domains"][1]["code"] = "A"

    problems = problems_of(dump(document))

    assert problems == [
        ImportProblem(
            "domains[1].code",
            "the domain code A is already used at domains[0].code; domain codes must be unique "
            "in a version",
        )
    ]
    assert_nothing_stored()


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["-A", "BEL 1", "A" * 21, "é-1", "A/1"])
def test_import_code_with_characters_not_allowed_is_refused(code):
    document = full_document()
    document["domains"][0]["standards"][0]["code"] = code

    problems = problems_of(dump(document))

    assert [problem.path for problem in problems] == ["domains[0].standards[0].code"]
    assert problems[0].message.startswith('expected a code of 1 to 20 letters, digits, "-"')
    assert_nothing_stored()


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["Small-Charter", "small charter", "small_charter", "a" * 101])
def test_import_bad_slug_is_refused(slug):
    document = full_document()
    document["framework"]["slug"] = slug

    problems = problems_of(dump(document))

    assert [problem.path for problem in problems] == ["framework.slug"]
    assert_nothing_stored()


@pytest.mark.django_db
def test_import_bad_slug_says_what_is_allowed():
    problems = problems_of(MINIMAL.replace("slug: small-charter", "slug: Small_Charter"))

    assert problems == [
        ImportProblem(
            "framework.slug",
            'expected lower-case letters a-z, digits and hyphens only; found "Small_Charter"',
        )
    ]
    assert_nothing_stored()


@pytest.mark.django_db
def test_import_unquoted_version_number_asks_for_quotes():
    problems = problems_of(MINIMAL.replace('"1.0"', "2027.1"))

    assert problems == [
        ImportProblem(
            "framework.version",
            'expected a string, found a number; put the version in quotes, like "2027.1"',
        )
    ]
    assert_nothing_stored()


@pytest.mark.django_db
def test_import_version_label_with_slash_is_refused():
    problems = problems_of(MINIMAL.replace('"1.0"', '"2027/1"'))

    assert problems == [
        ImportProblem("framework.version", 'must not contain "/" (it appears in web addresses)')
    ]
    assert_nothing_stored()


@pytest.mark.django_db
def test_import_bad_standard_type_lists_the_choices():
    problems = problems_of(MINIMAL.replace("type: essential", "type: vital"))

    assert problems == [
        ImportProblem(
            "domains[0].standards[0].type", "expected one of essential, expected, desirable"
        )
    ]
    assert_nothing_stored()


@pytest.mark.django_db
def test_import_ask_outside_the_vocabulary_or_repeated_is_refused():
    document = full_document()
    document["domains"][0]["standards"][0]["ask"] = ["staff", "residents", "staff"]

    problems = problems_of(dump(document))

    assert problems == [
        ImportProblem(
            "domains[0].standards[0].ask[1]",
            "expected one of staff, people_using_service, families_carers, partners, leaders",
        ),
        ImportProblem(
            "domains[0].standards[0].ask[2]", "staff is already in this list; list each voice once"
        ),
    ]
    assert_nothing_stored()


@pytest.mark.django_db
def test_import_blank_evidence_prompt_is_refused():
    document = full_document()
    document["domains"][0]["standards"][0]["evidence_prompts"] = ["Who met you?", " "]

    problems = problems_of(dump(document))

    assert problems == [
        ImportProblem("domains[0].standards[0].evidence_prompts[1]", "must not be blank")
    ]
    assert_nothing_stored()


@pytest.mark.django_db
def test_import_empty_domains_and_standards_lists_are_refused():
    document = full_document()
    document["domains"][1]["standards"] = []

    problems = problems_of(dump(document))
    empty = problems_of(dump({"framework": full_document()["framework"], "domains": []}))

    assert problems == [
        ImportProblem("domains[1].standards", "expected a list of standards with at least one item")
    ]
    assert empty == [ImportProblem("domains", "expected a list of domains with at least one item")]
    assert_nothing_stored()


@pytest.mark.django_db
def test_import_bad_crosswalk_relation_lists_the_choices():
    import_framework(dump(full_document()), source="v1.yaml")
    before = row_counts()
    document = second_edition()
    document["crosswalk"]["standards"][1]["relation"] = "same"

    problems = problems_of(dump(document))

    assert problems == [
        ImportProblem(
            "crosswalk.standards[1].relation",
            "expected one of equal, narrower, broader, related",
        )
    ]
    assert row_counts() == before


@pytest.mark.django_db
def test_import_crosswalk_from_a_version_not_imported_is_refused():
    document = second_edition()

    problems = problems_of(dump(document))

    assert problems == [
        ImportProblem(
            "crosswalk.from",
            "small-charter@1.0 has not been imported (no version of small-charter has been "
            "imported yet); import the earlier version first",
        )
    ]
    assert_nothing_stored()


@pytest.mark.django_db
def test_import_crosswalk_from_a_missing_label_lists_the_imported_ones():
    import_framework(dump(full_document()), source="v1.yaml")
    before = row_counts()
    document = second_edition()
    document["crosswalk"]["from"] = "small-charter@0.9"

    problems = problems_of(dump(document))

    assert problems == [
        ImportProblem(
            "crosswalk.from",
            "small-charter@0.9 has not been imported (imported versions of small-charter: 1.0); "
            "import the earlier version first",
        )
    ]
    assert row_counts() == before


@pytest.mark.django_db
def test_import_crosswalk_with_codes_missing_on_either_side_is_refused():
    import_framework(dump(full_document()), source="v1.yaml")
    before = row_counts()
    document = second_edition()
    document["crosswalk"]["standards"][0]["from"] = "A-9"
    document["crosswalk"]["standards"][2]["to"] = "B-7"

    problems = problems_of(dump(document))

    assert problems == [
        ImportProblem(
            "crosswalk.standards[2].to", "expected a standard code in this file, found B-7"
        ),
        ImportProblem(
            "crosswalk.standards[0].from",
            "expected a standard code in small-charter@1.0, found A-9",
        ),
    ]
    assert row_counts() == before


@pytest.mark.django_db
def test_import_crosswalk_from_another_framework_or_itself_is_refused():
    other = second_edition()
    other["crosswalk"]["from"] = "another-framework@1.0"
    itself = second_edition()
    itself["crosswalk"]["from"] = "small-charter@2.0"
    shapeless = second_edition()
    shapeless["crosswalk"]["from"] = "small-charter"

    assert problems_of(dump(other)) == [
        ImportProblem(
            "crosswalk.from",
            "a crosswalk maps from an earlier version of the same framework, small-charter; "
            "found another-framework",
        )
    ]
    assert problems_of(dump(itself)) == [
        ImportProblem(
            "crosswalk.from",
            "a version cannot be mapped from itself; name an earlier version of small-charter",
        )
    ]
    assert problems_of(dump(shapeless)) == [
        ImportProblem(
            "crosswalk.from",
            'expected the earlier version as "slug@version", like "small-charter@2026.1"; '
            'found "small-charter"',
        )
    ]
    assert_nothing_stored()


@pytest.mark.django_db
def test_import_crosswalk_repeated_pair_is_refused():
    import_framework(dump(full_document()), source="v1.yaml")
    before = row_counts()
    document = second_edition()
    document["crosswalk"]["standards"].append({"from": "A-1", "to": "A-1", "relation": "related"})

    problems = problems_of(dump(document))

    assert problems == [
        ImportProblem(
            "crosswalk.standards[3]",
            "the pair from A-1 to A-1 is already listed at crosswalk.standards[0]; list each "
            "pair once",
        )
    ]
    assert row_counts() == before


@pytest.mark.django_db
def test_import_changed_framework_name_in_a_new_version_is_refused():
    import_framework(dump(full_document()), source="v1.yaml")
    before = row_counts()
    document = second_edition()
    document["framework"]["name"] = "Smaller Charter"
    document["framework"]["licence"] = "CC BY-SA 4.0"

    problems = problems_of(dump(document))

    assert problems == [
        ImportProblem(
            "framework.name",
            'differs from the name stored for small-charter ("Small Charter"); name, '
            "description and licence belong to the framework across all its versions, so keep "
            "them the same in every edition",
        ),
        ImportProblem(
            "framework.licence",
            'differs from the licence stored for small-charter ("CC BY 4.0"); name, '
            "description and licence belong to the framework across all its versions, so keep "
            "them the same in every edition",
        ),
    ]
    assert row_counts() == before


@pytest.mark.django_db
def test_import_more_than_200_domains_is_refused():
    problems = problems_of(dump(many_domains(201, 1)))

    assert problems == [
        ImportProblem("domains", "has 201 domains; at most 200 are allowed in one version")
    ]
    assert_nothing_stored()


@pytest.mark.django_db
def test_import_more_than_2000_standards_is_refused():
    document = many_domains(100, 20)
    document["domains"][-1]["standards"].append(
        {"code": "EXTRA", "title": "One more", "statement": "One too many.", "type": "expected"}
    )

    problems = problems_of(dump(document))

    assert problems == [
        ImportProblem(
            "domains", "has 2,001 standards in all; at most 2,000 are allowed in one version"
        )
    ]
    assert_nothing_stored()


@pytest.mark.django_db
def test_import_text_over_20000_characters_is_refused():
    document = full_document()
    document["domains"][0]["standards"][0]["guidance"] = "x" * 20_001

    problems = problems_of(dump(document))

    assert problems == [
        ImportProblem(
            "domains[0].standards[0].guidance",
            "is 20,001 characters long; at most 20,000 are allowed",
        )
    ]
    assert_nothing_stored()


@pytest.mark.django_db
def test_import_short_fields_have_their_own_limits():
    document = full_document()
    document["framework"]["name"] = "n" * 201
    document["framework"]["licence"] = "l" * 201
    document["domains"][0]["standards"][0]["title"] = "t" * 301

    problems = problems_of(dump(document))

    assert problems == [
        ImportProblem("framework.name", "is 201 characters long; at most 200 are allowed"),
        ImportProblem("framework.licence", "is 201 characters long; at most 200 are allowed"),
        ImportProblem(
            "domains[0].standards[0].title", "is 301 characters long; at most 300 are allowed"
        ),
    ]
    assert_nothing_stored()


@pytest.mark.django_db
def test_import_title_with_a_line_break_is_refused():
    document = full_document()
    document["domains"][0]["standards"][0]["title"] = "Two\nlines"

    problems = problems_of(dump(document))

    assert problems == [ImportProblem("domains[0].standards[0].title", "must be on one line")]
    assert_nothing_stored()


@pytest.mark.django_db
def test_import_control_character_is_refused():
    problems = problems_of(MINIMAL.replace("title: Welcome", 'title: "Wel\\0come"'))

    assert problems == [
        ImportProblem(
            "domains[0].standards[0].title",
            "contains the control character U+0000; only tabs and line breaks are allowed",
        )
    ]
    assert_nothing_stored()


@pytest.mark.django_db
def test_import_non_utf8_bytes_are_refused():
    problems = problems_of(MINIMAL.replace("Welcome", "Café").encode("latin-1"))

    assert len(problems) == 1
    assert problems[0].path == ""
    assert problems[0].message.startswith("the file is not UTF-8 text: byte 0xe9 at position")
    assert problems[0].message.endswith("save the file with UTF-8 encoding")
    assert_nothing_stored()


@pytest.mark.django_db
def test_import_yaml_syntax_error_gives_line_and_column():
    problems = problems_of("framework:\n  slug: [unclosed\ndomains: []\n")

    assert len(problems) == 1
    assert problems[0].path == ""
    assert problems[0].message.startswith("not valid YAML at line ")
    assert ", column " in problems[0].message
    assert_nothing_stored()


@pytest.mark.django_db
def test_import_raw_control_character_in_the_file_is_refused():
    problems = problems_of(MINIMAL.replace("Welcome", "Wel\x00come"))

    assert len(problems) == 1
    assert problems[0].path == ""
    assert problems[0].message.startswith(
        "not valid YAML: the file contains the character U+0000; "
    )
    assert_nothing_stored()


@pytest.mark.django_db
def test_import_billion_laughs_is_refused_quickly():
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 10)]
    bomb = "\n".join(lines) + "\n"
    started = time.perf_counter()

    problems = problems_of(bomb)

    assert time.perf_counter() - started < 1
    assert problems == [
        ImportProblem(
            "",
            "line 1, column 5: the value anchored here (&) is reused through an alias (*); "
            "anchors and aliases are not allowed, so write each value out in full",
        )
    ]
    assert_nothing_stored()


@pytest.mark.django_db
def test_import_recursive_alias_is_refused():
    problems = problems_of("framework: &loop [*loop]\n")

    assert "anchors and aliases are not allowed" in problems[0].message
    assert_nothing_stored()


@pytest.mark.django_db
def test_import_repeated_key_is_refused():
    problems = problems_of(MINIMAL.replace("title: Welcome", "title: Welcome\n        title: Hi"))

    assert problems == [
        ImportProblem(
            "",
            "line 11, column 9: the key title appears twice in the same mapping; YAML would "
            "silently keep only the last one",
        )
    ]
    assert_nothing_stored()


@pytest.mark.django_db
def test_import_python_tags_are_refused_not_run():
    problems = problems_of("framework: !!python/object/apply:os.system ['echo unsafe']\n")

    assert problems[0].path == ""
    assert "python/object/apply:os.system" in problems[0].message
    assert_nothing_stored()


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["", "   \n", "# only a comment\n", "---\n", b""])
def test_import_empty_document_is_refused(text):
    problems = problems_of(text)

    assert problems == [
        ImportProblem(
            "", "the file is empty; expected a framework document with framework and domains"
        )
    ]
    assert_nothing_stored()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "found"),
    [("- a\n- b\n", "a list"), ("just words\n", "a string"), ("42\n", "a number")],
)
def test_import_top_level_that_is_not_a_mapping_is_refused(text, found):
    problems = problems_of(text)

    assert problems == [
        ImportProblem(
            "",
            "expected a mapping with the keys framework, domains and (optionally) crosswalk, "
            f"found {found}",
        )
    ]
    assert_nothing_stored()


@pytest.mark.django_db
def test_import_oversize_document_is_refused_before_parsing(settings):
    settings.FRAMEWORK_MAX_UPLOAD_BYTES = 100
    # Not even YAML: the size check must come first.
    data = b"\xff" * 101

    problems = problems_of(data)

    assert problems == [
        ImportProblem("", "the file is 101 bytes; the largest accepted is 100 bytes")
    ]
    assert_nothing_stored()


@pytest.mark.django_db
def test_import_oversize_message_uses_megabytes_at_default_limit():
    problems = problems_of(b"#" * (5 * 1024 * 1024 + 1))

    assert problems == [
        ImportProblem(
            "", "the file is 5,242,881 bytes; the largest accepted is 5,242,880 bytes (5 MB)"
        )
    ]
    assert_nothing_stored()


@pytest.mark.django_db
def test_import_reports_every_problem_in_document_order():
    document = full_document()
    document["framework"]["slug"] = "Bad Slug"
    document["domains"][0]["colour"] = "blue"
    document["domains"][0]["standards"][0]["type"] = "vital"
    del document["domains"][1]["name"]

    problems = problems_of(dump(document))

    assert [problem.path for problem in problems] == [
        "framework.slug",
        "domains[0].colour",
        "domains[0].standards[0].type",
        "domains[1].name",
    ]
    assert_nothing_stored()


@pytest.mark.django_db
def test_import_lists_at_most_200_problems():
    document = many_domains(1, 300)
    for standard in document["domains"][0]["standards"]:
        standard["type"] = "vital"

    problems = problems_of(dump(document))

    assert len(problems) == 201
    assert problems[-1] == ImportProblem("", "and 100 more problems not listed; fix these first")
    assert_nothing_stored()


def test_import_error_text_has_one_line_per_problem():
    error = FrameworkImportError(
        "my.yaml",
        [ImportProblem("domains[0].colour", "unknown key"), ImportProblem("", "too large")],
    )

    assert str(error) == "my.yaml: domains[0].colour: unknown key\nmy.yaml: too large"


# Export and round trips ----------------------------------------------------------------------


@pytest.mark.django_db
def test_export_minimal_document_writes_the_public_format():
    version = import_framework(MINIMAL, source="small.yaml").version

    assert export_framework(version) == (
        "# Framework file in the Relational Assurance format; see docs/frameworks.md.\n"
        "\n"
        "framework:\n"
        "  slug: small-charter\n"
        "  name: Small Charter\n"
        '  version: "1.0"\n'
        "\n"
        "domains:\n"
        "  - code: A\n"
        "    name: Arriving\n"
        "    standards:\n"
        "      - code: A-1\n"
        "        title: Welcome\n"
        "        statement: People are welcomed by name.\n"
        "        type: essential\n"
    )


@pytest.mark.django_db
def test_export_writes_keys_in_the_documented_order():
    import_framework(dump(full_document()), source="v1.yaml")
    document = second_edition()
    version = import_framework(dump(document), source="v2.yaml").version

    exported = yaml.safe_load(export_framework(version))

    assert list(exported) == ["framework", "domains", "crosswalk"]
    assert list(exported["framework"]) == ["slug", "name", "version", "description", "licence"]
    assert list(exported["domains"][0]) == ["code", "name", "summary", "standards"]
    assert list(exported["domains"][0]["standards"][0]) == [
        "code",
        "title",
        "statement",
        "type",
        "guidance",
        "evidence_prompts",
        "ask",
    ]
    assert list(exported["crosswalk"]) == ["from", "standards"]
    assert exported == document


def round_trip_paths() -> list[Path]:
    return [*FIXTURES, OUTSIDER]


@pytest.mark.django_db
@pytest.mark.parametrize("path", round_trip_paths(), ids=lambda path: path.name)
def test_export_of_an_import_parses_to_the_normalised_document(path):
    version = import_framework(path.read_bytes(), source=path.name).version

    exported = yaml.safe_load(export_framework(version))

    assert exported == read_document(path.read_bytes(), source=path.name)


@pytest.mark.django_db
@pytest.mark.parametrize("path", round_trip_paths(), ids=lambda path: path.name)
def test_export_imported_into_an_empty_database_exports_byte_identical(path):
    first_export = export_framework(import_framework(path.read_bytes(), source="a").version)
    clear_database()

    second_export = export_framework(import_framework(first_export, source="b").version)

    assert second_export == first_export


@pytest.mark.django_db
@pytest.mark.parametrize("path", round_trip_paths(), ids=lambda path: path.name)
def test_export_imported_into_the_same_database_is_a_no_op(path):
    version = import_framework(path.read_bytes(), source=path.name).version
    before = row_counts()

    result = import_framework(export_framework(version), source="export.yaml")

    assert result.created is False
    assert result.version == version
    assert row_counts() == before


@pytest.mark.django_db
def test_export_round_trips_two_editions_with_a_crosswalk():
    first = import_framework(OUTSIDER.read_bytes(), source=OUTSIDER.name).version
    second = import_framework(OUTSIDER_2.read_bytes(), source=OUTSIDER_2.name).version
    exports = [export_framework(first), export_framework(second)]
    clear_database()

    again = [
        export_framework(import_framework(text, source="export.yaml").version) for text in exports
    ]

    assert again == exports
    assert yaml.safe_load(exports[1]) == read_document(OUTSIDER_2.read_bytes(), source="o2")
    assert yaml.safe_load(exports[1])["crosswalk"]["from"] == "hostel-relational-charter@2027.1"


@pytest.mark.django_db
def test_export_keeps_awkward_text_exactly():
    document = full_document()
    standard = document["domains"][0]["standards"][0]
    awkward = {
        "title": "Meeting: 'decisions' #1 — yes",
        "statement": "yes",
        "guidance": "First paragraph.\n\n  Indented line.\nLast line with trailing tab\t",
        "evidence_prompts": [
            "- looks like a list",
            "null",
            "123",
            "Ünïcödé and emoji 🌱 and a very long sentence " * 8,
            '"quoted" and \\ backslash',
        ],
    }
    standard.update(awkward)
    version = import_framework(dump(document), source="awkward.yaml").version

    exported = yaml.safe_load(export_framework(version))["domains"][0]["standards"][0]

    expected = copy.deepcopy(awkward)
    expected["guidance"] = expected["guidance"].strip()
    expected["evidence_prompts"] = [prompt.strip() for prompt in expected["evidence_prompts"]]
    assert {key: exported[key] for key in awkward} == expected
