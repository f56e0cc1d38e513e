"""Showing input problems and failures without tracebacks."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd
import streamlit as st

from planner.problems import Problem, ScenarioError

LOG = logging.getLogger(__name__)


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    """Return one row per problem: file, row, column, value, problem and fix."""
    return pd.DataFrame(
        [
            {
                "file": problem.file,
                "row": problem.row,
                "column": problem.column,
                "value": _shown_value(problem.value),
                "problem": problem.message,
                "fix": problem.fix,
            }
            for problem in problems
        ],
        columns=["file", "row", "column", "value", "problem", "fix"],
    ).astype({"row": "Int64"})


def _shown_value(value: object) -> object:
    """Return the offending value, or "(empty)" for a missing cell."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return "(empty)"
    return value


def show_problems(problems: list[Problem], title: str | None = None) -> None:
    """Show the problems as a table under an error banner."""
    if not problems:
        return
    count = len(problems)
    st.error(title or f"The scenario has {count} problem{'s' if count > 1 else ''}.")
    st.dataframe(
        problems_frame(problems),
        hide_index=True,
        width="stretch",
    )
    st.caption("CSV row numbers count the header as row 1.")


@contextmanager
def guard(action: str) -> Iterator[None]:
    """Show a failure inside the block as a plain message instead of a traceback.

    ``action`` completes the sentence "... failed while {action}". Input problems are
    shown as a table; anything else is logged with its traceback.
    """
    try:
        yield
    except ScenarioError as error:
        show_problems(error.problems, title=f"Invalid input while {action}.")
    except Exception as error:
        LOG.exception("failed while %s", action)
        st.error(
            f"Something went wrong while {action}: {error.__class__.__name__}: "
            f"{str(error).rstrip('.')}. Your input is kept; details are in the "
            "server log."
        )


def missing_feature(module: str, what: str) -> None:
    """Explain that an optional part of the planner is not installed."""
    st.info(f"{what} needs the `{module}` module, which this installation lacks.")
