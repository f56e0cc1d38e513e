"""``planner demand TICKETS --week-start DATE --out demand.csv``: demand from history.

Reads a ticket export, builds the mean hour-of-week arrivals per language from its
complete weeks and writes them for the target week in the demand.csv layout. Prints
the weeks used and dropped, and the escalation rates, AHT and MTTR the history gives.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date

import pandas as pd

from planner.commands import EXIT_INVALID
from planner.commands.validate import problem_table
from planner.csvsafe import write_csv
from planner.demand import DemandDerivation, derive_demand
from planner.problems import ScenarioError
from planner.ticket_columns import PRESETS, parse_map_items, read_mapping_file
from planner.tickets import read_tickets

DATE_ORDERS = {"auto": None, "day-first": True, "month-first": False}


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demand",
        help="derive demand.csv from a ticket history",
        description=(
            "Read TICKETS (CSV, .csv.gz or .xlsx), average its complete weeks into "
            "arrivals per hour of the week and language, and write them for the week "
            "starting --week-start. Exit status 0 on success, 2 on invalid input."
        ),
    )
    parser.add_argument("tickets", metavar="TICKETS", help="ticket export file")
    parser.add_argument(
        "--week-start",
        required=True,
        type=_date,
        help="first day of the target week, YYYY-MM-DD (starts 00:00 UTC)",
    )
    parser.add_argument("--out", required=True, help="demand.csv file to write")
    parser.add_argument(
        "--interval-minutes", type=int, default=30, help="interval length [minutes]"
    )
    parser.add_argument(
        "--days", type=int, default=7, help="days in the target horizon"
    )
    parser.add_argument(
        "--map",
        action="append",
        metavar="NAME=COLUMN",
        help="use the export's COLUMN as NAME, e.g. created_at=opened_at (repeatable)",
    )
    parser.add_argument(
        "--mapping", metavar="FILE", help="column mapping file (.toml or .csv)"
    )
    parser.add_argument(
        "--preset", choices=sorted(PRESETS), help="column names of a known export"
    )
    parser.add_argument(
        "--timezone",
        default="UTC",
        help="IANA zone of timestamps written without an offset (default UTC)",
    )
    parser.add_argument(
        "--default-language",
        metavar="CODE",
        help="language of every ticket when the export has no language column",
    )
    parser.add_argument(
        "--date-order",
        choices=sorted(DATE_ORDERS),
        default="auto",
        help="order of day and month in dates like 3/4/2016 (default: detect)",
    )
    parser.add_argument(
        "--profile-timezone",
        metavar="ZONE",
        help="build the profile on this zone's wall clock instead of UTC",
    )
    parser.add_argument(
        "--since",
        type=_date,
        help="first day the history covers; earlier tickets are ignored",
    )
    parser.add_argument(
        "--until",
        type=_date,
        help="day after the last day the history covers; later tickets are ignored",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        derivation = _derive(args)
    except ScenarioError as error:
        print(f"{args.tickets}: {len(error.problems)} problem(s)", file=sys.stderr)
        print(problem_table(error.problems), file=sys.stderr)
        return EXIT_INVALID
    except (OSError, ValueError) as error:
        print(f"{args.tickets}: cannot derive demand: {error}", file=sys.stderr)
        return EXIT_INVALID

    try:
        write_csv(demand_csv_frame(derivation.demand), args.out)
    except OSError as error:
        print(f"cannot write {args.out}: {error}", file=sys.stderr)
        return EXIT_INVALID
    print(report(derivation, args.out))
    return 0


def demand_csv_frame(demand: pd.DataFrame) -> pd.DataFrame:
    """Return the demand in the demand.csv layout (interval_start ISO 8601 with Z)."""
    frame = demand[["interval_start", "language", "arrivals"]].copy()
    frame["interval_start"] = frame["interval_start"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    frame["arrivals"] = frame["arrivals"].round(6)
    return frame


def report(derivation: DemandDerivation, out: str) -> str:
    """Describe the derivation: weeks, volume, escalation rates, AHT and MTTR."""
    total = derivation.demand["arrivals"].sum()
    weeks = derivation.weeks_used
    lines = [
        f"wrote {out}: {len(derivation.demand)} rows, {total:.1f} tickets in total",
        f"weeks used: {len(weeks)} ({_span(weeks)}), {derivation.tickets_used} tickets",
        f"mean volume: {derivation.weekly_volume:.1f} tickets per week",
        f"weeks dropped as incomplete: {_dates(derivation.weeks_dropped)}",
    ]
    for tier, rate in derivation.escalation_rates.items():
        lines.append(f"escalation rate {tier}: {rate:.3f}")
    for tier, minutes in derivation.aht_minutes.items():
        lines.append(f"AHT {tier}: {minutes:.1f} min")
    if derivation.mttr_minutes is not None:
        lines.append(f"MTTR today: {derivation.mttr_minutes:.1f} min")
    for tier, minutes in derivation.mttr_by_tier.items():
        lines.append(f"MTTR resolved at {tier}: {minutes:.1f} min")
    return "\n".join(lines)


def _derive(args: argparse.Namespace) -> DemandDerivation:
    mapping = read_mapping_file(args.mapping) if args.mapping else {}
    mapping.update(parse_map_items(args.map))
    tickets = read_tickets(
        args.tickets,
        mapping=mapping,
        preset=args.preset,
        timezone_name=args.timezone,
        default_language=args.default_language,
        dayfirst=DATE_ORDERS[args.date_order],
    )
    return derive_demand(
        tickets,
        args.week_start,
        args.interval_minutes,
        args.days,
        profile_timezone=args.profile_timezone,
        since=args.since,
        until=args.until,
    )


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date YYYY-MM-DD"
        ) from error


def _span(weeks: list[date]) -> str:
    return f"{weeks[0]} to {weeks[-1]}" if weeks else "none"


def _dates(weeks: list[date]) -> str:
    return ", ".join(str(week) for week in weeks) or "none"
