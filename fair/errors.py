"""Domain errors. They know nothing of HTTP; the web layer maps each to a status code."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


def N_(template: str) -> str:
    """Marks a message template for the translation catalogues (`./dev messages`); the
    domain itself stays free of any translation machinery (the pages translate)."""
    return template


class FairError(Exception):
    """Base of every error the domain raises on purpose."""


class NotFound(FairError):
    """The thing asked for does not exist (or is not visible to the asker)."""


class Forbidden(FairError):
    """The asker may not do this."""


class Conflict(FairError):
    """The request contradicts the current state (e.g. publishing an old draft)."""


class InvalidInput(FairError):
    """Input that cannot be accepted, with a message naming what is wrong."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an imported file: where it is and what is wrong.

    `message` is in English; `template` is the same with `%(name)s` where `params` go,
    so the pages can translate it and put the values in."""

    file: str
    row: int | None
    column: str | None
    message: str
    template: str = ""
    params: Mapping[str, str] = field(default_factory=dict, compare=False)

    @classmethod
    def of(
        cls, file: str, row: int | None, column: str | None, template: str, /, **params: object
    ) -> Problem:
        values = {k: str(v) for k, v in params.items()}
        message = template % values if values else template
        return cls(file, row, column, message, template, values)

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


class ImportRejected(InvalidInput):
    """An import was refused whole; `problems` lists every error found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = [str(p) for p in problems[:50]]
        if len(problems) > 50:
            lines.append(f"... and {len(problems) - 50} more")
        super().__init__(
            f"import rejected, nothing was changed ({len(problems)} errors):\n" + "\n".join(lines)
        )

    def __reduce__(self) -> tuple[type[ImportRejected], tuple[list[Problem]]]:
        # rebuilt from its problems when it crosses from a worker process
        return (ImportRejected, (self.problems,))
