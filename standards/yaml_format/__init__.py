"""The public YAML format for frameworks: the one way framework content enters or leaves.

`import_framework` reads a document (DESIGN section 5, docs/frameworks.md), checks all of it,
and writes one new `FrameworkVersion` with its domains, standards and crosswalk in a single
transaction. `export_framework` writes a stored version back out in the same format. The web
upload, the API and the `import_framework` / `export_framework` commands all call these two.

The package, one module for each stage, each importing only the ones before it:

- `problems`: `ImportProblem` and `FrameworkImportError`, which every stage reports with.
- `reading`: size limit, UTF-8 decoding, the safe loader and its refusals, YAML errors.
- `checking`: `Checker`, which validates and normalises the parsed document; limits, patterns.
- `storing`: the content hash, the checks against earlier imports and the bulk write.
- `exporting`: `document_from_database` and the YAML layout of an export.

Decisions a maintainer should know:

- **Parsing.** PyYAML's safe loader (its C implementation when installed, which is about ten
  times faster on large files), so no tag can build Python objects. On top of that, values
  reused through an alias (`*name`) are refused, which defeats "billion laughs" expansion,
  and a key repeated in one mapping is refused instead of silently keeping the last value.
  (`reading`)
- **Whitespace.** Every string value has its surrounding whitespace stripped (`str.strip`)
  before it is checked, stored, compared or exported; inner spaces and line breaks are kept.
  An optional key whose value is empty (no value, a blank string or an empty list) counts as
  absent, and export leaves it out. So export and import agree on every value. (`checking`)
- **One line.** Slug, version label, names, titles and licence must not contain line breaks.
- **Immutability.** A version's identity is the sha256 of the canonical JSON of the normalised
  document (`FrameworkVersion.content_sha256`, computed by `storing.content_sha256`).
  Re-importing the same slug and label with the same canonical content is a no-op; with
  different content it is refused.
- **Framework-wide fields.** `name`, `description` and `licence` belong to the framework, not
  to one edition, and are stored once on `Framework` by the first import of a slug. A later
  version whose values differ is refused at `framework.name` (or `.description`,
  `.licence`). Accepting it would either lose the new values or silently change what every
  older version exports, and exports must give back what was imported. (`storing`)
- **Problems.** The whole document is checked before anything is written and every problem is
  reported with its path; at most `checking.MAX_PROBLEMS` are listed, so a wholly wrong 5 MB
  file still gives a readable answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction

from standards.models import FrameworkVersion
from standards.yaml_format.checking import Checker
from standards.yaml_format.exporting import document_from_database, dump_document
from standards.yaml_format.problems import FrameworkImportError, ImportProblem
from standards.yaml_format.reading import load
from standards.yaml_format.storing import check_against_database, content_sha256, write_version

if TYPE_CHECKING:
    # The user model lives in `assurance`, which `standards` must not import (DESIGN section 3).
    from django.contrib.auth.base_user import AbstractBaseUser

__all__ = [
    "FrameworkImportError",
    "ImportProblem",
    "ImportResult",
    "document_from_database",
    "export_framework",
    "import_framework",
    "read_document",
]


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
    document = load(data, source)
    checker = Checker()
    normalised = checker.check(document)
    try:
        with transaction.atomic():
            existing = check_against_database(checker)
            if existing is not None:
                if not checker.problems and existing.content_sha256 == content_sha256(normalised):
                    return ImportResult(version=existing, created=False)
                checker.add(
                    "framework.version",
                    f"version {checker.label} of {checker.slug} already exists with different "
                    "content; a published version never changes, so give a changed edition a "
                    "new version label",
                )
            if checker.problems:
                raise FrameworkImportError(source, checker.finished_problems())
            version = write_version(normalised, checker, user)
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


def read_document(data: bytes | str, *, source: str) -> dict[str, Any]:
    """Parse and check a document without touching the database; return its normalised form.

    Checks that need earlier imports (immutability, crosswalk sources) are not made.
    """
    checker = Checker()
    normalised = checker.check(load(data, source))
    if checker.problems:
        raise FrameworkImportError(source, checker.finished_problems())
    return normalised


def export_framework(version: FrameworkVersion) -> str:
    """The stored version as YAML text in the public format, ready to import elsewhere."""
    return dump_document(document_from_database(version))
