"""Input problems that name the file, row, column and value, and say how to fix them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located precisely enough to fix it.

    ``row`` is the 1-based line number in a CSV file (the header is line 1) or the
    row number in an Excel sheet; it is ``None`` for settings and whole-file problems.
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    message: str
    fix: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column!r}"
        shown = "" if self.value is None else f" (value {self.value!r})"
        return f"{where}: {self.message}{shown}. {self.fix}"


class ScenarioError(Exception):
    """Raised when a scenario has one or more problems; carries all of them."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        lines = "\n".join(f"- {problem}" for problem in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in the scenario:\n{lines}")
