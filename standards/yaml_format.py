"""The public YAML format for frameworks: the one way framework content enters or leaves.

`import_framework` reads a document (DESIGN section 5, docs/frameworks.md), checks all of it,
and writes one new `FrameworkVersion` with its domains, standards and crosswalk in a single
transaction. `export_framework` writes a stored version back out in the same format. The web
upload, the API and the `import_framework` / `export_framework` commands all call these two.

Decisions a maintainer should know:

- **Parsing.** PyYAML's safe loader (its C implementation when installed, which is about ten
  times faster on large files), so no tag can build Python objects. On top of that, values
  reused through an alias (`*name`) are refused, which defeats "billion laughs" expansion,
  and a key repeated in one mapping is refused instead of silently keeping the last value.
- **Whitespace.** Every string value has its surrounding whitespace stripped (`str.strip`)
  before it is checked, stored, compared or exported; inner spaces and line breaks are kept.
  An optional key whose value is empty (no value, a blank string or an empty list) counts as
  absent, and export leaves it out. So export and import agree on every value.
- **One line.** Slug, version label, names, titles and licence must not contain line breaks.
- **Immutability.** A version's identity is the sha256 of the canonical JSON of the normalised
  document (`FrameworkVersion.content_sha256`). Re-importing the same slug and label with the
  same canonical content is a no-op; with different content it is refused.
- **Framework-wide fields.** `name`, `description` and `licence` belong to the framework, not
  to one edition, and are stored once on `Framework` by the first import of a slug. A later
  version whose values differ is refused at `framework.name` (or `.description`,
  `.licence`). Accepting it would either lose the new values or silently change what every
  older version exports, and exports must give back what was imported.
- **Problems.** The whole document is checked before anything is written and every problem is
  reported with its path; at most `MAX_PROBLEMS` are listed, so a wholly wrong 5 MB file
  still gives a readable answer.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

import yaml
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Prefetch

from standards.models import (
    Crosswalk,
    CrosswalkLink,
    Domain,
    Framework,
    FrameworkVersion,
    Standard,
)

if TYPE_CHECKING:
    # The user model lives in `assurance`, which `standards` must not import (DESIGN section 3).
    from django.contrib.auth.base_user import AbstractBaseUser

TEXT_MAX = 20_000
TITLE_MAX = 300
NAME_MAX = 200
LICENCE_MAX = 200
LABEL_MAX = 40
SLUG_MAX = 100
MAX_DOMAINS = 200
MAX_STANDARDS = 2_000
MAX_PROBLEMS = 200
MEGABYTE = 1024 * 1024

SLUG_PATTERN = re.compile(r"[a-z0-9-]+")
CODE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,19}")
# Tabs and line feeds are ordinary text; any other control character (and a lone surrogate,
# which a quoted "\ud800" escape can produce) cannot be stored in PostgreSQL or shown safely.
CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
LINE_BREAK = re.compile(r"[\n\u2028\u2029]")

TOP_KEYS = ("framework", "domains", "crosswalk")
FRAMEWORK_KEYS = ("slug", "name", "version", "description", "licence")
DOMAIN_KEYS = ("code", "name", "summary", "standards")
STANDARD_KEYS = ("code", "title", "statement", "type", "guidance", "evidence_prompts", "ask")
CROSSWALK_KEYS = ("from", "standards")
LINK_KEYS = ("from", "to", "relation")


class ImportProblem(NamedTuple):
    """One thing wrong with a document: where (`domains[2].standards[0].type`) and what."""

    path: str  # "" for problems with the document as a whole
    message: str


class FrameworkImportError(Exception):
    """A document was refused. Nothing was written."""

    def __init__(self, source: str, problems: list[ImportProblem]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(
            "\n".join(
                f"{source}: {problem.path}: {problem.message}"
                if problem.path
                else f"{source}: {problem.message}"
                for problem in problems
            )
        )


@dataclass(frozen=True)
class ImportResult:
    version: FrameworkVersion
    created: bool  # False when an identical version already existed and nothing was written


def import_framework(
    data: bytes | str, *, source: str, user: AbstractBaseUser | None = None
) -> ImportResult:
    """Import one framework version from a YAML document, all or nothing.

    `source` names the document in error messages (a file name, or "request body").
    Raises `FrameworkImportError` listing every problem found; the database is then unchanged.
    """
    document = _load(data, source)
    checker = _Checker()
    normalised = checker.check(document)
    try:
        with transaction.atomic():
            existing = _check_against_database(checker)
            if existing is not None:
                if not checker.problems and existing.content_sha256 == _sha256(normalised):
                    return ImportResult(version=existing, created=False)
                checker.add(
                    "framework.version",
                    f"version {checker.label} of {checker.slug} already exists with different "
                    "content; a published version never changes, so give a changed edition a "
                    "new version label",
                )
            if checker.problems:
                raise FrameworkImportError(source, checker.finished_problems())
            version = _write(normalised, checker, user)
    except IntegrityError:
        # Only a concurrent import of the same slug or label gets past the checks above.
        raise FrameworkImportError(
            source,
            [
                ImportProblem(
                    "framework.version",
                    "another import of this framework was saved at the same moment; "
                    "import the file again",
                )
            ],
        ) from None
    return ImportResult(version=version, created=True)


def export_framework(version: FrameworkVersion) -> str:
    """The stored version as YAML text in the public format, ready to import elsewhere."""
    return _dump_document(document_from_database(version))


def document_from_database(version: FrameworkVersion) -> dict[str, Any]:
    """The normalised document for a stored version: what `export_framework` writes."""
    framework = version.framework
    document: dict[str, Any] = {
        "framework": _without_empty(
            {
                "slug": framework.slug,
                "name": framework.name,
                "version": version.label,
                "description": framework.description,
                "licence": framework.licence,
            }
        ),
        "domains": [
            _without_empty(
                {
                    "code": domain.code,
                    "name": domain.name,
                    "summary": domain.summary,
                    "standards": [
                        _without_empty(
                            {
                                "code": standard.code,
                                "title": standard.title,
                                "statement": standard.statement,
                                "type": standard.type,
                                "guidance": standard.guidance,
                                "evidence_prompts": list(standard.evidence_prompts),
                                "ask": list(standard.ask),
                            }
                        )
                        for standard in domain.standards.all()
                    ],
                }
            )
            for domain in Domain.objects.filter(version=version)
            .order_by("order")
            .prefetch_related(Prefetch("standards", queryset=Standard.objects.order_by("order")))
        ],
    }
    crosswalk = (
        Crosswalk.objects.filter(to_version=version)
        .select_related("from_version__framework")
        .first()
    )
    if crosswalk is not None:
        document["crosswalk"] = {
            "from": crosswalk.from_version.reference,
            "standards": [
                {"from": source, "to": target, "relation": relation}
                for source, target, relation in crosswalk.links.order_by("order").values_list(
                    "source__code", "target__code", "relation"
                )
            ],
        }
    return document


def read_document(data: bytes | str, *, source: str) -> dict[str, Any]:
    """Parse and check a document without touching the database; return its normalised form.

    Checks that need earlier imports (immutability, crosswalk sources) are not made.
    """
    checker = _Checker()
    normalised = checker.check(_load(data, source))
    if checker.problems:
        raise FrameworkImportError(source, checker.finished_problems())
    return normalised


# Reading -------------------------------------------------------------------------------------

_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Refusal(yaml.MarkedYAMLError):
    """Valid YAML that this format refuses (an alias, a repeated key)."""


class _FrameworkLoader(_SafeLoader):  # type: ignore[misc,valid-type]
    """The safe loader with two extra refusals; it constructs nothing the safe loader would not."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        # The composer turns `*name` into a second reference to the anchored node, so reaching a
        # node that is already built means an alias. Refusing it here stops exponential
        # expansion before it starts, whatever the document's shape.
        if node in self.constructed_objects or node in self.recursive_objects:
            raise _Refusal(
                problem=(
                    "the value anchored here (&) is reused through an alias (*); anchors and "
                    "aliases are not allowed, so write each value out in full"
                ),
                problem_mark=node.start_mark,
            )
        return super().construct_object(node, deep=deep)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[tuple[str, str]] = set()
        for key_node, _value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key = (key_node.tag, key_node.value)
                if key in seen:
                    raise _Refusal(
                        problem=(
                            f"the key {key_node.value} appears twice in the same mapping; "
                            "YAML would silently keep only the last one"
                        ),
                        problem_mark=key_node.start_mark,
                    )
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _whole(source: str, message: str) -> FrameworkImportError:
    return FrameworkImportError(source, [ImportProblem("", message)])


def _load(data: bytes | str, source: str) -> Any:
    """Decode and parse; every failure here is a problem with the document as a whole."""
    if isinstance(data, str):
        try:
            data = data.encode("utf-8")
        except UnicodeEncodeError:
            raise _whole(source, "the text contains characters that are not valid UTF-8") from None
    limit = settings.FRAMEWORK_MAX_UPLOAD_BYTES
    if len(data) > limit:
        megabytes = f" ({limit // MEGABYTE} MB)" if limit % MEGABYTE == 0 else ""
        raise _whole(
            source,
            f"the file is {len(data):,} bytes; the largest accepted is {limit:,} bytes{megabytes}",
        )
    try:
        text = bytes(data).decode("utf-8")
    except UnicodeDecodeError as error:
        raise _whole(
            source,
            f"the file is not UTF-8 text: byte 0x{data[error.start]:02x} at position "
            f"{error.start:,} cannot be read; save the file with UTF-8 encoding",
        ) from None
    text = text.removeprefix("\ufeff")
    empty = "the file is empty; expected a framework document with framework and domains"
    if not text.strip():
        raise _whole(source, empty)
    try:
        document = yaml.load(text, Loader=_FrameworkLoader)  # noqa: S506 (a SafeLoader subclass)
    except _Refusal as error:
        raise _whole(source, f"{_where(error.problem_mark)}: {error.problem}") from None
    except yaml.YAMLError as error:
        raise _whole(source, _describe_yaml_error(error)) from None
    except RecursionError:
        # Only the pure-Python parser gets here; libyaml stops at 1,000 levels by itself.
        raise _whole(source, "the document is nested too deeply to read") from None
    if document is None:
        raise _whole(source, empty)
    return document


def _where(mark: Any) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}"


def _describe_yaml_error(error: yaml.YAMLError) -> str:
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        message = f"not valid YAML at {_where(error.problem_mark)}: {error.problem}"
        if error.context:
            if error.context_mark is not None:
                message += f" ({error.context} at {_where(error.context_mark)})"
            else:
                message += f" ({error.context})"
        return message
    if isinstance(error, yaml.reader.ReaderError):
        # Its position counts characters in one parser and bytes in the other, so leave it out.
        code = error.character if isinstance(error.character, int) else ord(error.character)
        return f"not valid YAML: the file contains the character U+{code:04X}; {error.reason}"
    return "not valid YAML: " + " ".join(str(error).split())


# Checking ------------------------------------------------------------------------------------


def _join(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


def _found(value: object) -> str:
    """What the writer gave, in words for someone who may not know YAML's type names."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "a yes/no value"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, date):
        return "a date"
    if isinstance(value, bytes):
        return "binary data"
    if isinstance(value, set):
        return "a set"
    return f"a value of type {type(value).__name__}"


def _show(value: str) -> str:
    return value if len(value) <= 40 else value[:39] + "…"


@dataclass
class _Checker:
    """Walks a parsed document, collecting every problem and building the normalised form."""

    problems: list[ImportProblem] = field(default_factory=list)
    slug: str | None = None
    label: str | None = None
    framework_fields: dict[str, str | None] = field(default_factory=dict)
    domain_codes: dict[str, str] = field(default_factory=dict)  # code -> path first used
    standard_codes: dict[str, str] = field(default_factory=dict)
    crosswalk_label: str | None = None
    # (index in crosswalk.standards, code in the earlier version), checked against the database.
    link_sources: list[tuple[int, str]] = field(default_factory=list)

    def add(self, path: str, message: str) -> None:
        self.problems.append(ImportProblem(path, message))

    def finished_problems(self) -> list[ImportProblem]:
        if len(self.problems) <= MAX_PROBLEMS:
            return list(self.problems)
        hidden = len(self.problems) - MAX_PROBLEMS
        return [
            *self.problems[:MAX_PROBLEMS],
            ImportProblem("", f"and {hidden:,} more problems not listed; fix these first"),
        ]

    # The document, top down.

    def check(self, document: Any) -> dict[str, Any]:
        top = self.mapping(
            document,
            "",
            TOP_KEYS,
            required=("framework", "domains"),
            expected="a mapping with the keys framework, domains and (optionally) crosswalk",
        )
        if top is None:
            return {}
        normalised: dict[str, Any] = {}
        if "framework" in top:
            normalised["framework"] = self.framework(top["framework"])
        if "domains" in top:
            normalised["domains"] = self.domains(top)
        if top.get("crosswalk") is not None:
            normalised["crosswalk"] = self.crosswalk(top["crosswalk"])
        return normalised

    def framework(self, value: Any) -> dict[str, Any]:
        block = self.mapping(
            value,
            "framework",
            FRAMEWORK_KEYS,
            required=("slug", "name", "version"),
            expected="a mapping with the keys slug, name, version, description and licence",
        )
        if block is None:
            return {}
        slug = self.text(block, "slug", "framework", required=True, limit=SLUG_MAX, one_line=True)
        if slug is not None and not SLUG_PATTERN.fullmatch(slug):
            self.add(
                "framework.slug",
                f'expected lower-case letters a-z, digits and hyphens only; found "{_show(slug)}"',
            )
            slug = None
        label = self.version_label(block)
        self.slug, self.label = slug, label
        self.framework_fields = {
            "name": self.text(
                block, "name", "framework", required=True, limit=NAME_MAX, one_line=True
            ),
            "description": self.text(block, "description", "framework", required=False),
            "licence": self.text(
                block, "licence", "framework", required=False, limit=LICENCE_MAX, one_line=True
            ),
        }
        return _without_empty(
            {
                "slug": slug,
                "name": self.framework_fields["name"],
                "version": label,
                "description": self.framework_fields["description"],
                "licence": self.framework_fields["licence"],
            }
        )

    def version_label(self, block: dict[Any, Any]) -> str | None:
        if "version" not in block:
            return None
        value = block["version"]
        if isinstance(value, bool | int | float | date):
            # YAML reads 2027.10 as the number 2027.1, so a number cannot be trusted as a label.
            self.add(
                "framework.version",
                f"expected a string, found {_found(value)}; "
                'put the version in quotes, like "2027.1"',
            )
            return None
        label = self.string(value, "framework.version", required=True, limit=LABEL_MAX)
        if label is not None and LINE_BREAK.search(label):
            self.add("framework.version", "must be on one line")
            return None
        if label is not None and "/" in label:
            self.add("framework.version", 'must not contain "/" (it appears in web addresses)')
            return None
        return label

    def domains(self, top: dict[Any, Any]) -> list[dict[str, Any]]:
        items = self.items(top, "domains", "", what="domains", required=True)
        if len(items) > MAX_DOMAINS:
            self.add(
                "domains",
                f"has {len(items):,} domains; at most {MAX_DOMAINS:,} are allowed in one version",
            )
        domains = [self.domain(item, f"domains[{index}]") for index, item in enumerate(items)]
        total = sum(
            len(item["standards"])
            for item in items
            if isinstance(item, dict) and isinstance(item.get("standards"), list)
        )
        if total > MAX_STANDARDS:
            self.add(
                "domains",
                f"has {total:,} standards in all; at most {MAX_STANDARDS:,} are allowed in one "
                "version",
            )
        return domains

    def domain(self, value: Any, path: str) -> dict[str, Any]:
        block = self.mapping(
            value,
            path,
            DOMAIN_KEYS,
            required=("code", "name", "standards"),
            expected="a mapping with the keys code, name, summary and standards",
        )
        if block is None:
            return {}
        code = self.code(block, path)
        if code is not None:
            first = self.domain_codes.setdefault(code, _join(path, "code"))
            if first != _join(path, "code"):
                self.add(
                    _join(path, "code"),
                    f"the domain code {code} is already used at {first}; domain codes must be "
                    "unique in a version",
                )
        name = self.text(block, "name", path, required=True, limit=NAME_MAX, one_line=True)
        summary = self.text(block, "summary", path, required=False)
        standards = [
            self.standard(item, f"{path}.standards[{index}]")
            for index, item in enumerate(
                self.items(block, "standards", path, what="standards", required=True)
            )
        ]
        return _without_empty(
            {"code": code, "name": name, "summary": summary, "standards": standards}
        )

    def standard(self, value: Any, path: str) -> dict[str, Any]:
        block = self.mapping(
            value,
            path,
            STANDARD_KEYS,
            required=("code", "title", "statement", "type"),
            expected="a mapping with the keys " + ", ".join(STANDARD_KEYS),
        )
        if block is None:
            return {}
        code = self.code(block, path)
        if code is not None:
            first = self.standard_codes.setdefault(code, _join(path, "code"))
            if first != _join(path, "code"):
                self.add(
                    _join(path, "code"),
                    f"the standard code {code} is already used at {first}; standard codes must "
                    "be unique across the whole version",
                )
        return _without_empty(
            {
                "code": code,
                "title": self.text(
                    block, "title", path, required=True, limit=TITLE_MAX, one_line=True
                ),
                "statement": self.text(block, "statement", path, required=True),
                "type": self.choice(block, "type", path, Standard.Type.values),
                "guidance": self.text(block, "guidance", path, required=False),
                "evidence_prompts": self.prompts(block, path),
                "ask": self.ask(block, path),
            }
        )

    def prompts(self, block: dict[Any, Any], path: str) -> list[str]:
        items = self.items(block, "evidence_prompts", path, what="short strings", required=False)
        prompts = []
        for index, item in enumerate(items):
            item_path = f"{path}.evidence_prompts[{index}]"
            prompt = self.string(item, item_path, required=True, limit=TEXT_MAX)
            if prompt is not None:
                prompts.append(prompt)
        return prompts

    def ask(self, block: dict[Any, Any], path: str) -> list[str]:
        voices = Standard.Voice.values
        ask: list[str] = []
        for index, item in enumerate(self.items(block, "ask", path, what="voices", required=False)):
            item_path = f"{path}.ask[{index}]"
            voice = self.choice_value(item, item_path, voices)
            if voice is None:
                continue
            if voice in ask:
                self.add(item_path, f"{voice} is already in this list; list each voice once")
                continue
            ask.append(voice)
        return ask

    def crosswalk(self, value: Any) -> dict[str, Any]:
        block = self.mapping(
            value,
            "crosswalk",
            CROSSWALK_KEYS,
            required=CROSSWALK_KEYS,
            expected="a mapping with the keys from and standards",
        )
        if block is None:
            return {}
        reference = self.text(block, "from", "crosswalk", required=True, limit=TEXT_MAX)
        if reference is not None:
            self.crosswalk_label = self.crosswalk_source(reference)
        pairs: dict[tuple[str, str], str] = {}
        standards = []
        items = self.items(block, "standards", "crosswalk", what="mappings", required=True)
        for index, item in enumerate(items):
            path = f"crosswalk.standards[{index}]"
            link = self.mapping(
                item,
                path,
                LINK_KEYS,
                required=LINK_KEYS,
                expected="a mapping with the keys from, to and relation",
            )
            if link is None:
                continue
            source = self.code(link, path, key="from")
            target = self.code(link, path, key="to")
            if target is not None and target not in self.standard_codes:
                self.add(
                    _join(path, "to"), f"expected a standard code in this file, found {target}"
                )
                target = None
            relation = self.choice(link, "relation", path, CrosswalkLink.Relation.values)
            if source is not None and target is not None:
                first = pairs.setdefault((source, target), path)
                if first != path:
                    self.add(
                        path,
                        f"the pair from {source} to {target} is already listed at {first}; "
                        "list each pair once",
                    )
            if source is not None:
                self.link_sources.append((index, source))
            standards.append({"from": source, "to": target, "relation": relation})
        return {"from": reference, "standards": standards}

    def crosswalk_source(self, reference: str) -> str | None:
        """The label of the earlier version named by `slug@label`, if the reference is usable."""
        slug, at, label = reference.partition("@")
        example = f"{self.slug or 'framework-slug'}@2026.1"
        if not at or not slug or not label:
            self.add(
                "crosswalk.from",
                f'expected the earlier version as "slug@version", like "{example}"; '
                f'found "{_show(reference)}"',
            )
            return None
        if self.slug is not None and slug != self.slug:
            self.add(
                "crosswalk.from",
                f"a crosswalk maps from an earlier version of the same framework, {self.slug}; "
                f"found {_show(slug)}",
            )
            return None
        if self.label is not None and label == self.label:
            self.add(
                "crosswalk.from",
                f"a version cannot be mapped from itself; name an earlier version of {slug}",
            )
            return None
        return label

    # Shapes and values.

    def mapping(
        self,
        value: Any,
        path: str,
        keys: tuple[str, ...],
        *,
        required: tuple[str, ...],
        expected: str,
    ) -> dict[Any, Any] | None:
        if not isinstance(value, dict):
            self.add(path, f"expected {expected}, found {_found(value)}")
            return None
        for key in value:
            if key not in keys:
                self.add(_join(path, key), f"unknown key; allowed keys are {', '.join(keys)}")
        for key in required:
            if key not in value:
                self.add(_join(path, key), "required key is missing")
        return value

    def items(
        self, block: dict[Any, Any], key: str, path: str, *, what: str, required: bool
    ) -> list[Any]:
        """A list value; [] when it is absent, empty or unusable (any problem is recorded)."""
        if key not in block:
            return []
        value = block[key]
        path = _join(path, key)
        if value is None and not required:
            return []
        if not isinstance(value, list):
            self.add(path, f"expected a list of {what}, found {_found(value)}")
            return []
        if not value and required:
            self.add(path, f"expected a list of {what} with at least one item")
        return value

    def text(
        self,
        block: dict[Any, Any],
        key: str,
        path: str,
        *,
        required: bool,
        limit: int = TEXT_MAX,
        one_line: bool = False,
    ) -> str | None:
        """A string value, stripped; "" for an absent optional key, None when it is unusable."""
        if key not in block:
            return None if required else ""
        value = block[key]
        if value is None and not required:
            return ""
        path = _join(path, key)
        text = self.string(value, path, required=required, limit=limit)
        if text is not None and one_line and LINE_BREAK.search(text):
            self.add(path, "must be on one line")
            return None
        return text

    def string(self, value: Any, path: str, *, required: bool, limit: int) -> str | None:
        if not isinstance(value, str):
            message = f"expected a string, found {_found(value)}"
            if isinstance(value, bool | int | float | date):
                message += "; put it in quotes"
            self.add(path, message)
            return None
        text = value.strip()
        if required and not text:
            self.add(path, "must not be blank")
            return None
        usable = True
        if len(text) > limit:
            self.add(path, f"is {len(text):,} characters long; at most {limit:,} are allowed")
            usable = False
        control = CONTROL_CHARACTER.search(text)
        if control is not None:
            self.add(
                path,
                f"contains the control character U+{ord(control.group()):04X}; only tabs and "
                "line breaks are allowed",
            )
            usable = False
        return text if usable else None

    def code(self, block: dict[Any, Any], path: str, key: str = "code") -> str | None:
        if key not in block:
            return None
        path = _join(path, key)
        code = self.string(block[key], path, required=True, limit=TEXT_MAX)
        if code is not None and not CODE_PATTERN.fullmatch(code):
            self.add(
                path,
                'expected a code of 1 to 20 letters, digits, "-", "." or "_", starting with a '
                f'letter or digit; found "{_show(code)}"',
            )
            return None
        return code

    def choice(self, block: dict[Any, Any], key: str, path: str, choices: list[str]) -> str | None:
        if key not in block:
            return None
        return self.choice_value(block[key], _join(path, key), choices)

    def choice_value(self, value: Any, path: str, choices: list[str]) -> str | None:
        if not isinstance(value, str):
            self.add(path, f"expected one of {', '.join(choices)}, found {_found(value)}")
            return None
        if value.strip() not in choices:
            self.add(path, f"expected one of {', '.join(choices)}")
            return None
        return value.strip()


def _without_empty(values: dict[str, Any]) -> dict[str, Any]:
    """Drop keys with no usable value, so optional empties and unusable values both vanish."""
    return {key: value for key, value in values.items() if value not in (None, "", [])}


def _sha256(normalised: dict[str, Any]) -> str:
    canonical = json.dumps(normalised, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# Writing -------------------------------------------------------------------------------------


def _check_against_database(checker: _Checker) -> FrameworkVersion | None:
    """Checks that need earlier imports. Returns the stored version with this slug and label."""
    if checker.slug is None:
        return None
    framework = Framework.objects.filter(slug=checker.slug).first()
    existing = None
    if framework is not None and checker.label is not None:
        existing = (
            FrameworkVersion.objects.select_related("framework")
            .filter(framework=framework, label=checker.label)
            .first()
        )
    if existing is not None and not checker.problems:
        # The caller compares content first, so an identical re-import succeeds even if the
        # framework row has been edited since.
        return existing
    if framework is not None:
        for name, value in checker.framework_fields.items():
            stored = getattr(framework, name)
            if value is not None and value != stored:
                shown = f' ("{_show(stored)}")' if stored and name != "description" else ""
                checker.add(
                    f"framework.{name}",
                    f"differs from the {name} stored for {checker.slug}{shown}; name, "
                    "description and licence belong to the framework across all its versions, "
                    "so keep them the same in every edition",
                )
    if checker.crosswalk_label is not None:
        _check_crosswalk_source(checker, framework)
    return existing


def _check_crosswalk_source(checker: _Checker, framework: Framework | None) -> None:
    reference = f"{checker.slug}@{checker.crosswalk_label}"
    source = (
        FrameworkVersion.objects.filter(framework=framework, label=checker.crosswalk_label).first()
        if framework is not None
        else None
    )
    if source is None:
        labels = (
            list(framework.versions.order_by("published_at").values_list("label", flat=True))
            if framework is not None
            else []
        )
        imported = (
            f"imported versions of {checker.slug}: {', '.join(labels)}"
            if labels
            else f"no version of {checker.slug} has been imported yet"
        )
        checker.add(
            "crosswalk.from",
            f"{reference} has not been imported ({imported}); import the earlier version first",
        )
        return
    codes = set(source.standards.values_list("code", flat=True))
    for index, code in checker.link_sources:
        if code not in codes:
            checker.add(
                f"crosswalk.standards[{index}].from",
                f"expected a standard code in {reference}, found {code}",
            )


def _write(
    normalised: dict[str, Any], checker: _Checker, user: AbstractBaseUser | None
) -> FrameworkVersion:
    """Store a checked document with bulk inserts: the query count grows with batches, not rows."""
    block = normalised["framework"]
    framework, _created = Framework.objects.get_or_create(
        slug=block["slug"],
        defaults={
            "name": block["name"],
            "description": block.get("description", ""),
            "licence": block.get("licence", ""),
        },
    )
    version = FrameworkVersion.objects.create(
        framework=framework,
        label=block["version"],
        status=FrameworkVersion.Status.PUBLISHED,
        imported_by=user,
        content_sha256=_sha256(normalised),
    )
    domains = Domain.objects.bulk_create(
        Domain(
            version=version,
            code=domain["code"],
            name=domain["name"],
            summary=domain.get("summary", ""),
            order=order,
        )
        for order, domain in enumerate(normalised["domains"], start=1)
    )
    # Standard.order runs through the whole version, so it sorts correctly with or without
    # the domain's order in front of it.
    standards = Standard.objects.bulk_create(
        Standard(
            version=version,
            domain=domain,
            code=standard["code"],
            title=standard["title"],
            statement=standard["statement"],
            type=standard["type"],
            guidance=standard.get("guidance", ""),
            evidence_prompts=standard.get("evidence_prompts", []),
            ask=standard.get("ask", []),
            order=order,
        )
        for order, (domain, standard) in enumerate(
            (
                (domain, standard)
                for domain, document_domain in zip(domains, normalised["domains"], strict=True)
                for standard in document_domain["standards"]
            ),
            start=1,
        )
    )
    if "crosswalk" in normalised:
        crosswalk = Crosswalk.objects.create(
            from_version=FrameworkVersion.objects.get(
                framework=framework, label=checker.crosswalk_label
            ),
            to_version=version,
        )
        sources = dict(crosswalk.from_version.standards.values_list("code", "pk"))
        targets = {standard.code: standard.pk for standard in standards}
        CrosswalkLink.objects.bulk_create(
            CrosswalkLink(
                crosswalk=crosswalk,
                source_id=sources[link["from"]],
                target_id=targets[link["to"]],
                relation=link["relation"],
                order=order,
            )
            for order, link in enumerate(normalised["crosswalk"]["standards"], start=1)
        )
    return version


# Exporting -----------------------------------------------------------------------------------

EXPORT_HEADER = "# Framework file in the Relational Assurance format; see docs/frameworks.md.\n"
# Longer single-line text is folded over several lines, as people write it by hand.
FOLD_AFTER = 60


class _Quoted(str):
    """Text that export always writes in double quotes (the version label)."""


class _Unfolded(str):
    """Text the emitter may wrap but never writes as a `>-` block (evidence prompts in a list)."""


class _FlowList(list):  # type: ignore[type-arg]
    """A short list written on one line: `ask: [staff, leaders]`."""


class _FlowMapping(dict):  # type: ignore[type-arg]
    """A small mapping written on one line: `{from: A-1, to: A-1, relation: equal}`."""


class _ExportDumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Indent list items under their key, as the fixtures and docs/frameworks.md do.
        return super().increase_indent(flow, False)


def _represent_text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = None
    if "\n" in value:
        style = "|"
    elif len(value) > FOLD_AFTER and " " in value:
        style = ">"
    # The emitter falls back to a quoted style whenever the chosen one cannot hold the text.
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_ExportDumper.add_representer(str, _represent_text)
_ExportDumper.add_representer(
    _Unfolded,
    lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", str(value)),
)
_ExportDumper.add_representer(
    _Quoted,
    lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style='"'),
)
_ExportDumper.add_representer(
    _FlowList,
    lambda dumper, value: dumper.represent_sequence(
        "tag:yaml.org,2002:seq", value, flow_style=True
    ),
)
_ExportDumper.add_representer(
    _FlowMapping,
    lambda dumper, value: dumper.represent_mapping("tag:yaml.org,2002:map", value, flow_style=True),
)


def _dump(data: Any) -> str:
    return yaml.dump(
        data, Dumper=_ExportDumper, allow_unicode=True, sort_keys=False, default_flow_style=False
    )


def _indented(text: str) -> str:
    # Moving every line right by the same amount keeps block scalars' content unchanged; empty
    # lines stay empty so the file has no trailing spaces.
    return "".join(line if line == "\n" else f"  {line}" for line in text.splitlines(True))


def _for_export(standard: dict[str, Any]) -> dict[str, Any]:
    styled = dict(standard)
    if "evidence_prompts" in styled:
        styled["evidence_prompts"] = [_Unfolded(prompt) for prompt in styled["evidence_prompts"]]
    if "ask" in styled:
        styled["ask"] = _FlowList(styled["ask"])
    return styled


def _dump_document(document: dict[str, Any]) -> str:
    """YAML text with a blank line between sections and between domains, for people to read."""
    framework = dict(document["framework"], version=_Quoted(document["framework"]["version"]))
    domains = []
    for domain in document["domains"]:
        standards = [_for_export(standard) for standard in domain["standards"]]
        domains.append(_indented(_dump([{**domain, "standards": standards}])))
    parts = [EXPORT_HEADER, _dump({"framework": framework}), "domains:\n" + "\n".join(domains)]
    if "crosswalk" in document:
        crosswalk = document["crosswalk"]
        links = [_FlowMapping(link) for link in crosswalk["standards"]]
        parts.append(_dump({"crosswalk": {"from": crosswalk["from"], "standards": links}}))
    return "\n".join(parts)
