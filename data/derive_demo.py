"""Re-derive the bundled demo scenarios from two public incident logs.

Run from the repository root::

    .venv/bin/python data/derive_demo.py [--data PATH] [--out PATH]

``--data`` is the folder containing ``uci_servicenow_incident_log/`` and
``bpi2013_volvo_incidents/``. ``--out`` is the folder that receives ``demo/`` and
``demo-business-hours/`` (default: the folder of this script). Every step is deterministic: the roster is drawn
from a seeded generator, and arrivals are rounded to 4 decimals. data/README.md
describes each step and its sources.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from planner.csvsafe import write_csv
from planner.demand import escalation_rates, place_profile, weekly_profile
from planner.shifts import zone
from planner.tickets import read_tickets

WEEK_START = "2027-03-22"
INTERVAL_MINUTES = 30
SEED = 2027

# The ServiceNow log arrives steadily for 12 weeks from Monday 2016-02-29; after
# 2016-05-23 only a thin tail of late tickets remains, which would bias the mean.
SERVICENOW_WINDOW = ("2016-02-29", "2016-05-23")

# Weekly volume factor applied to the ServiceNow volume (about 1,900 tickets a week).
# NOTE: chosen so that the requirements of the demo need roughly 70-90% of the
# roster's maximum hours; see data/README.md for the figure it gives.
VOLUME_SCALE = 0.3

# Country of a BPI 2013 service request -> (customer language, home time zone).
# Languages with less than 4% of the requests are served in English, the desk's
# common language, so they map to "en".
COUNTRIES = {
    "se": ("sv", "Europe/Stockholm"),
    "pl": ("pl", "Europe/Warsaw"),
    "be": ("nl", "Europe/Brussels"),
    "nl": ("nl", "Europe/Amsterdam"),
    "br": ("pt", "America/Sao_Paulo"),
    "us": ("en", "America/New_York"),
    "ca": ("en", "America/Toronto"),
    "in": ("en", "Asia/Kolkata"),
    "fr": ("en", "Europe/Paris"),
    "cn": ("en", "Asia/Shanghai"),
    "kr": ("en", "Asia/Seoul"),
    "ru": ("en", "Europe/Moscow"),
    "my": ("en", "Asia/Kuala_Lumpur"),
    "au": ("en", "Australia/Sydney"),
    "gb": ("en", "Europe/London"),
    "jp": ("en", "Asia/Tokyo"),
    "th": ("en", "Asia/Bangkok"),
    "cl": ("en", "America/Santiago"),
    "de": ("en", "Europe/Berlin"),
    "pe": ("en", "America/Lima"),
    "tr": ("en", "Europe/Istanbul"),
}

# Opening hours of each non-English queue in its home zone: Monday to Friday, from
# the first to the second hour. Outside them the ticket is served in English.
LANGUAGE_HOURS = {
    "sv": ("Europe/Stockholm", 9, 17),
    "pl": ("Europe/Warsaw", 9, 17),
    "nl": ("Europe/Brussels", 9, 17),
    "pt": ("America/Sao_Paulo", 9, 17),
}


@dataclass(frozen=True)
class Site:
    """A support site: its zone, cost of an hour at L1, and how its people work."""

    code: str
    timezone: str
    languages: tuple[str, ...]
    cost_l1: float
    night_share: float
    first_names: tuple[str, ...]


SITES = {
    "STO": Site(
        "STO",
        "Europe/Stockholm",
        ("sv", "en"),
        38.0,
        0.0,
        ("Anna", "Erik", "Maja", "Lars", "Elin", "Johan", "Sara", "Nils", "Ida"),
    ),
    "WAW": Site(
        "WAW",
        "Europe/Warsaw",
        ("pl", "en"),
        22.0,
        0.0,
        ("Kasia", "Piotr", "Ola", "Marek", "Zofia", "Tomasz", "Ewa", "Jakub"),
    ),
    "BRU": Site(
        "BRU",
        "Europe/Brussels",
        ("nl", "en"),
        36.0,
        0.0,
        ("Lotte", "Pieter", "Femke", "Jens", "Sofie", "Wout", "Ine"),
    ),
    "SAO": Site(
        "SAO",
        "America/Sao_Paulo",
        ("pt", "en"),
        16.0,
        0.3,
        ("Ana", "Bruno", "Carla", "Diego", "Lia", "Rafael", "Bia"),
    ),
    "NYC": Site(
        "NYC",
        "America/New_York",
        ("en",),
        42.0,
        0.3,
        ("Grace", "Mike", "Olivia", "Sam", "Tyler", "Zoe", "Ethan"),
    ),
    "BLR": Site(
        "BLR",
        "Asia/Kolkata",
        ("en",),
        12.0,
        0.5,
        ("Aarav", "Diya", "Kiran", "Meera", "Rohan", "Sneha", "Vikram", "Anil"),
    ),
    "MNL": Site(
        "MNL",
        "Asia/Manila",
        ("en",),
        11.0,
        0.5,
        ("Angel", "Carlo", "Jasmine", "Paolo", "Rica", "Mark", "Joy", "Ramon"),
    ),
}

# How many agents of each tier work at each site.
TEAMS = {
    "L1": {"STO": 3, "WAW": 3, "BRU": 3, "SAO": 3, "NYC": 3, "BLR": 4, "MNL": 4},
    "L2": {"STO": 3, "WAW": 3, "BRU": 3, "SAO": 3, "NYC": 4, "BLR": 4, "MNL": 4},
    "L3": {"STO": 3, "WAW": 3, "BRU": 3, "SAO": 3, "NYC": 3, "BLR": 4, "MNL": 4},
}
# The business-hours variant bases every L2 and L3 agent in this zone and keeps them
# off duty outside Monday to Friday, BUSINESS_HOURS[0]:00 to BUSINESS_HOURS[1]:00.
BUSINESS_HOURS_ZONE = "Europe/Brussels"
BUSINESS_HOURS = (8, 18)

TIER_COST_FACTOR = {"L1": 1.0, "L2": 1.3, "L3": 1.7}

# Contracts as (min hours, max hours, max days, weight of the draw).
CONTRACTS = (
    (32.0, 40.0, 5, 0.6),
    (30.0, 37.5, 5, 0.3),
    (20.0, 24.0, 3, 0.1),
)

SCENARIO_TOML = """\
name = "{name}"
week_start = {week_start}
days = 7
interval_minutes = {interval}

[tiers.L1]
aht_minutes = 12
service_level = 0.80
target_wait_minutes = 15
escalation_rate = {rate_l1}
floor = 2

[tiers.L2]
aht_minutes = 45
service_level = 0.80
target_wait_minutes = 60
escalation_rate = {rate_l2}
floor = {floor_l2}

[tiers.L3]
aht_minutes = 180
service_level = 0.80
target_wait_minutes = 240
floor = {floor_l3}

[staffing]
shrinkage = 0.30
max_occupancy = 0.85

[rules]
shift_hours = [8]
start_step_minutes = 60
min_rest_hours = 11
max_consecutive_days = 6

[solver]
time_limit_seconds = 60
seed = 0
"""


def servicenow_profile(data: Path) -> pd.Series:
    """Return the mean arrivals per wall-clock hour of the week (168 values)."""
    path = data / "uci_servicenow_incident_log" / "incident_event_log.csv.gz"
    tickets = read_tickets(path, preset="servicenow", default_language="en")
    first, end = (date.fromisoformat(day) for day in SERVICENOW_WINDOW)
    in_window = (tickets["created_at"] >= pd.Timestamp(first, tz="UTC")) & (
        tickets["created_at"] < pd.Timestamp(end, tz="UTC")
    )
    tickets = tickets[in_window].reset_index(drop=True)
    profile = weekly_profile(tickets, first, since=first, until=end)
    if len(profile.weeks_used) != 12:
        raise RuntimeError(f"expected 12 complete weeks, found {profile.weeks_used}")
    return profile.arrivals["en"]


def bpi_tickets(data: Path) -> pd.DataFrame:
    """Return one row per BPI 2013 request that entered at L1.

    Columns: ticket_id, created_at, country, language, tier_resolved (the highest
    support line the request reached; ``L2/L3`` counts as L3).
    """
    path = data / "bpi2013_volvo_incidents" / "VINST-new.csv.gz"
    with gzip.open(path, "rt", encoding="utf-8-sig") as handle:
        events = pd.read_csv(handle, dtype=str, keep_default_na=False)
    events["created_at"] = pd.to_datetime(events["Change Date+Time"], utc=True)
    events["rank"] = events["ST Level"].map({"L1": 1, "L2": 2, "L3": 3, "L2/L3": 3})
    events = events.sort_values(["SR Number", "created_at"], kind="stable")

    requests = events.groupby("SR Number", sort=True).agg(
        created_at=("created_at", "first"),
        first_rank=("rank", "first"),
        highest_rank=("rank", "max"),
        country=("Country", "first"),
    )
    requests = requests[requests["first_rank"] == 1].reset_index()
    requests["country"] = requests["country"].str.lower()
    requests = requests[requests["country"].isin(COUNTRIES)]
    requests["language"] = requests["country"].map(lambda code: COUNTRIES[code][0])
    requests["tier_resolved"] = requests["highest_rank"].map(
        {1: "L1", 2: "L2", 3: "L3"}
    )
    return requests.rename(columns={"SR Number": "ticket_id"})[
        ["ticket_id", "created_at", "country", "language", "tier_resolved"]
    ].reset_index(drop=True)


def derive_demand_frame(profile: pd.Series, requests: pd.DataFrame) -> pd.DataFrame:
    """Place each country's share of the weekly volume in its own local week."""
    shares = requests["country"].value_counts(normalize=True).sort_index()
    parts = []
    for country, share in shares.items():
        language, zone_name = COUNTRIES[country]
        scaled = (profile * share * VOLUME_SCALE).to_frame(language)
        parts.append(place_profile(scaled, WEEK_START, INTERVAL_MINUTES, 7, zone_name))
    demand = pd.concat(parts, ignore_index=True)
    demand["language"] = _apply_language_hours(demand)
    demand = demand.groupby(["interval_start", "language"])["arrivals"].sum()
    grid = pd.MultiIndex.from_product(
        [
            pd.date_range(
                WEEK_START,
                periods=7 * 24 * 60 // INTERVAL_MINUTES,
                freq=f"{INTERVAL_MINUTES}min",
                tz="UTC",
            ),
            sorted(demand.index.get_level_values("language").unique()),
        ],
        names=["interval_start", "language"],
    )
    demand = demand.reindex(grid, fill_value=0.0).reset_index()
    demand["arrivals"] = demand["arrivals"].round(4)
    return demand.sort_values(["interval_start", "language"]).reset_index(drop=True)


def _apply_language_hours(demand: pd.DataFrame) -> pd.Series:
    language = demand["language"].copy()
    for code, (zone_name, first_hour, end_hour) in LANGUAGE_HOURS.items():
        local = demand["interval_start"].dt.tz_convert(zone_name)
        open_now = (
            (local.dt.day_of_week < 5)
            & (local.dt.hour >= first_hour)
            & (local.dt.hour < end_hour)
        )
        language = language.mask((language == code) & ~open_now, "en")
    return language


def derive_agents(business_hours: bool = False) -> pd.DataFrame:
    """Draw the roster from the site and team tables with a fixed seed."""
    rng = np.random.default_rng(SEED)
    weights = np.array([contract[3] for contract in CONTRACTS])
    rows = []
    for tier, teams in TEAMS.items():
        for site_code, count in teams.items():
            site = SITES[site_code]
            for number in range(1, count + 1):
                minimum, maximum, days, _ = CONTRACTS[
                    rng.choice(len(CONTRACTS), p=weights)
                ]
                night_ok = bool(rng.random() < site.night_share)
                first_name = site.first_names[rng.integers(len(site.first_names))]
                initial = chr(ord("A") + int(rng.integers(26)))
                timezone_name = site.timezone
                if business_hours and tier != "L1":
                    night_ok = False
                    timezone_name = BUSINESS_HOURS_ZONE
                rows.append(
                    {
                        "agent_id": f"{site_code}-{tier}-{number:02d}",
                        "name": f"{first_name} {initial}.",
                        "tier": tier,
                        "languages": ";".join(site.languages),
                        "timezone": timezone_name,
                        "min_hours_week": minimum,
                        "max_hours_week": maximum,
                        "max_days_week": days,
                        "night_ok": "true" if night_ok else "false",
                        "cost_per_hour": round(
                            site.cost_l1 * TIER_COST_FACTOR[tier], 2
                        ),
                    }
                )
    return pd.DataFrame(rows)


def business_hours_timeoff(agents: pd.DataFrame) -> pd.DataFrame:
    """Return absences that keep L2 and L3 agents inside business hours.

    Each absence runs from the end of one working day to the start of the next; the
    weekend lies inside the Friday-to-Monday absence. The first and last absences
    reach past the horizon so that shifts spilling over its edges are covered too.
    """
    tz = zone(BUSINESS_HOURS_ZONE)
    first_hour, last_hour = BUSINESS_HOURS
    days = pd.date_range(pd.Timestamp(WEEK_START) - pd.Timedelta(days=3), periods=12)
    workdays = [day.date() for day in days if day.day_of_week < 5]
    opens = [
        (_local(day, first_hour, tz), _local(day, last_hour, tz)) for day in workdays
    ]
    closed = [(end, start) for (_, end), (start, _) in itertools.pairwise(opens)]

    rows = []
    for agent_id in agents.loc[agents["tier"] != "L1", "agent_id"]:
        for start, end in closed:
            rows.append({"agent_id": agent_id, "start": start, "end": end})
    return pd.DataFrame(rows)


def _local(day, hour: int, tz) -> str:
    moment = datetime.combine(day, time(hour), tz).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def scenario_toml(rates: dict[str, float], business_hours: bool = False) -> str:
    name = "Global service desk, week of " + WEEK_START
    if business_hours:
        name += " (L2 and L3 in business hours)"
    return SCENARIO_TOML.format(
        name=name,
        week_start=WEEK_START,
        interval=INTERVAL_MINUTES,
        rate_l1=round(rates["L1"], 3),
        rate_l2=round(rates["L2"], 3),
        floor_l2=0 if business_hours else 1,
        floor_l3=0 if business_hours else 1,
    )


def write_demo(
    folder: Path,
    demand: pd.DataFrame,
    agents: pd.DataFrame,
    toml: str,
    timeoff: pd.DataFrame | None = None,
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if timeoff is not None:
        write_csv(timeoff, folder / "timeoff.csv")
    (folder / "scenario.toml").write_text(toml, encoding="utf-8")
    write_csv(agents, folder / "agents.csv")
    out = demand.copy()
    out["interval_start"] = out["interval_start"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    write_csv(out, folder / "demand.csv")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data",
        type=Path,
        default=REPO.parent / "shared" / "data",
        help="folder containing the two incident logs",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent,
        help="folder that receives demo/ and demo-business-hours/",
    )
    args = parser.parse_args(argv)

    profile = servicenow_profile(args.data)
    requests = bpi_tickets(args.data)
    rates = escalation_rates(requests)
    demand = derive_demand_frame(profile, requests)
    write_demo(args.out / "demo", demand, derive_agents(), scenario_toml(rates))
    business_agents = derive_agents(business_hours=True)
    write_demo(
        args.out / "demo-business-hours",
        demand,
        business_agents,
        scenario_toml(rates, business_hours=True),
        business_hours_timeoff(business_agents),
    )
    print(
        f"weekly volume {demand['arrivals'].sum():.1f} tickets, "
        f"escalation L1 {rates['L1']:.3f}, L2 {rates['L2']:.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
