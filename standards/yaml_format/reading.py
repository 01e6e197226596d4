"""Reading a framework file: bytes or text in, a parsed YAML value out, or a refusal.

Owns the size limit (`settings.FRAMEWORK_MAX_UPLOAD_BYTES`), UTF-8 decoding, the safe loader
with its two extra refusals (aliases and repeated keys) and the wording of YAML syntax errors.
Every failure here is a problem with the document as a whole, so it has no path. What the
parsed value must look like is `checking`'s business.
"""

from __future__ import annotations

from typing import Any

import yaml
from django.conf import settings

from standards.yaml_format.problems import FrameworkImportError, ImportProblem

MEGABYTE = 1024 * 1024

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


def load(data: bytes | str, source: str) -> Any:
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
