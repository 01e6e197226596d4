"""Checking a parsed document: every problem found with its path, and the normalised form.

`Checker` walks the whole document top down, so one pass reports everything that is wrong
(at most `MAX_PROBLEMS` of it), and builds the normalised document that is stored, hashed and
exported: strings stripped, empty optional values dropped (`without_empty`). It owns the size
limits, the code and slug patterns and the allowed keys of each block. Checks that need
earlier imports are `storing`'s; the checker only records what they need (slug, label,
framework-wide fields, crosswalk sources).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from standards.models import CrosswalkLink, Standard
from standards.yaml_format.problems import ImportProblem

TEXT_MAX = 20_000
TITLE_MAX = 300
NAME_MAX = 200
LICENCE_MAX = 200
LABEL_MAX = 40
SLUG_MAX = 100
MAX_DOMAINS = 200
MAX_STANDARDS = 2_000
MAX_PROBLEMS = 200

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


def show(value: str) -> str:
    return value if len(value) <= 40 else value[:39] + "…"


@dataclass
class Checker:
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
                f'expected lower-case letters a-z, digits and hyphens only; found "{show(slug)}"',
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
        return without_empty(
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
        return without_empty(
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
        return without_empty(
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
                f'found "{show(reference)}"',
            )
            return None
        if self.slug is not None and slug != self.slug:
            self.add(
                "crosswalk.from",
                f"a crosswalk maps from an earlier version of the same framework, {self.slug}; "
                f"found {show(slug)}",
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
                f'letter or digit; found "{show(code)}"',
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


def without_empty(values: dict[str, Any]) -> dict[str, Any]:
    """Drop keys with no usable value, so optional empties and unusable values both vanish."""
    return {key: value for key, value in values.items() if value not in (None, "", [])}
