"""What a refused document reports: `ImportProblem` and `FrameworkImportError`.

Every stage of an import (reading, checking, storing) describes what is wrong in these terms,
so the web upload, the API and the commands show problems the same way.
"""

from __future__ import annotations

from typing import NamedTuple


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
