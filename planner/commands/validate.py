"""``planner validate SCENARIO``: check a scenario and summarise it.

On problems, prints every one as an aligned table (file, row, column, value, problem,
fix) to stderr and exits 2. On success, prints agents per tier, language and time
zone and the tickets per week, and exits 0.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from datetime import timedelta

from planner.commands import EXIT_INVALID
from planner.loading import load_scenario
from planner.model import Scenario, queue_name
from planner.problems import Problem, ScenarioError

HEADERS = ("file", "row", "column", "value", "problem", "fix")
MAX_VALUE_WIDTH = 40


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="check a scenario and list every problem",
        description=(
            "Load SCENARIO (a folder, a .zip of one, or an .xlsx workbook), check every "
            "file and print a summary, or every problem with its file, row, column, "
            "value and fix. Exit status 0 when valid, 2 when not."
        ),
    )
    parser.add_argument(
        "scenario", metavar="SCENARIO", help="scenario folder, .zip or .xlsx"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        scenario = load_scenario(args.scenario)
    except ScenarioError as error:
        print(f"{args.scenario}: {len(error.problems)} problem(s)", file=sys.stderr)
        print(problem_table(error.problems), file=sys.stderr)
        return EXIT_INVALID
    except (OSError, ValueError) as error:
        print(f"{args.scenario}: cannot read the scenario: {error}", file=sys.stderr)
        return EXIT_INVALID
    print(summary(scenario))
    return 0


def problem_table(problems: list[Problem]) -> str:
    """Format problems as an aligned text table with a header line."""
    rows = [HEADERS] + [_cells(problem) for problem in problems]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADERS) - 1)]
    lines = []
    for row in rows:
        padded = [cell.ljust(width) for cell, width in zip(row, widths)]
        lines.append("  ".join(padded + [row[-1]]).rstrip())
    lines.insert(1, "  ".join("-" * width for width in widths) + "  ---")
    return "\n".join(lines)


def _cells(problem: Problem) -> tuple[str, ...]:
    value = "" if problem.value is None else problem.value.replace("\n", " ")
    if len(value) > MAX_VALUE_WIDTH:
        value = value[: MAX_VALUE_WIDTH - 3] + "..."
    return (
        problem.file,
        "" if problem.row is None else str(problem.row),
        problem.column or "",
        value,
        problem.message,
        problem.fix,
    )


def summary(scenario: Scenario) -> str:
    """Describe a valid scenario: horizon, agents and tickets per week."""
    settings = scenario.settings
    horizon = settings.horizon
    agents = scenario.agents
    lines = [
        f"Scenario {settings.name!r} is valid.",
        (
            f"Horizon: {horizon.start:%Y-%m-%d} to {horizon.end:%Y-%m-%d} UTC, "
            f"{settings.days} days of {settings.interval_minutes}-minute intervals; "
            f"tiers {', '.join(settings.tier_order)}"
        ),
        f"Agents: {len(agents)}",
        "  per tier:      " + _counts(Counter(agent.tier for agent in agents)),
        "  per language:  "
        + _counts(Counter(code for agent in agents for code in agent.languages)),
        "  per time zone: " + _counts(Counter(agent.timezone for agent in agents)),
    ]
    lines += _ticket_lines(scenario)
    if scenario.timeoff:
        lines.append(f"Time off: {len(scenario.timeoff)} absence(s)")
    unserved = unserved_queues(scenario)
    if unserved:
        lines.append(
            "Warning: no agent can serve these queues, which have tickets: "
            + ", ".join(unserved)
        )
    return "\n".join(lines)


def unserved_queues(scenario: Scenario) -> list[str]:
    """List the queues that receive tickets but have no agent with that skill.

    A language receives tickets when its arrivals add up to more than zero. A tier
    above L1 receives them only when every tier below escalates a share above zero.
    """
    totals = scenario.demand.groupby("language")["arrivals"].sum()
    languages = [language for language, total in totals.items() if total > 0]
    skills = {skill for agent in scenario.agents for skill in agent.skills}
    unserved = []
    for tier in scenario.settings.tier_order:
        unserved += [
            queue_name(tier, language)
            for language in languages
            if queue_name(tier, language) not in skills
        ]
        if scenario.settings.tiers[tier].escalation_rate == 0:
            break
    return unserved


def _counts(counter: Counter) -> str:
    return ", ".join(f"{key} {count}" for key, count in sorted(counter.items()))


def _ticket_lines(scenario: Scenario) -> list[str]:
    """Tickets (L1 arrivals) per week of the horizon, in total and per language."""
    demand = scenario.demand
    horizon = scenario.horizon
    lines = []
    week_start = horizon.start
    while week_start < horizon.end:
        week_end = min(week_start + timedelta(days=7), horizon.end)
        inside = demand[
            (demand["interval_start"] >= week_start)
            & (demand["interval_start"] < week_end)
        ]
        per_language = inside.groupby("language")["arrivals"].sum()
        detail = ", ".join(
            f"{code} {total:.1f}" for code, total in per_language.items()
        )
        days = (week_end - week_start).days
        partial = f" ({days} days)" if days < 7 else ""
        lines.append(
            f"Tickets in the week of {week_start:%Y-%m-%d}{partial}: "
            f"{inside['arrivals'].sum():.1f}" + (f" ({detail})" if detail else "")
        )
        week_start = week_end
    return lines
