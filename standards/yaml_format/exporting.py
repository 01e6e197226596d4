"""Writing a stored version back out as YAML in the public format, ready to import elsewhere.

`document_from_database` rebuilds the normalised document from the rows (the same shape
`checking` produces, so export and import agree on every value); `dump_document` lays it out
as people write it by hand: a header comment, blank lines between sections and domains, long
text folded, the version label quoted, short lists and crosswalk links on one line.
"""

from __future__ import annotations

from typing import Any

import yaml
from django.db.models import Prefetch

from standards.models import Crosswalk, Domain, FrameworkVersion, Standard
from standards.yaml_format.checking import without_empty


def document_from_database(version: FrameworkVersion) -> dict[str, Any]:
    """The normalised document for a stored version: what `export_framework` writes."""
    framework = version.framework
    document: dict[str, Any] = {
        "framework": without_empty(
            {
                "slug": framework.slug,
                "name": framework.name,
                "version": version.label,
                "description": framework.description,
                "licence": framework.licence,
            }
        ),
        "domains": [
            without_empty(
                {
                    "code": domain.code,
                    "name": domain.name,
                    "summary": domain.summary,
                    "standards": [
                        without_empty(
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


def dump_document(document: dict[str, Any]) -> str:
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
