"""Hard labour rules: the checker catches hand-made violations, and solver rosters pass it.

The property test draws small scenarios (agents in zones with half-hour and
three-quarter-hour offsets, time off, night rules, horizons across a clock change),
solves them with the real CP-SAT solver and checks every roster independently.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from rules_checker import check_roster

import solver
from planner.coverage import below_floor, coverage_frame
from planner.model import Agent, Rules, Scenario, Settings, TierSettings, TimeOff
from planner.shifts import Shift, make_shift

BERLIN = "Europe/Berlin"
MONDAY = date(2027, 3, 22)


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _agent(agent_id: str = "a1", **fields) -> Agent:
    values = {
        "agent_id": agent_id,
        "tier": "L1",
        "languages": ("de",),
        "timezone": BERLIN,
        "max_hours_week": 40,
        "max_days_week": 5,
        "night_ok": True,
    }
    values.update(fields)
    return Agent(**values)


def _scenario(
    agents, rules: Rules | None = None, timeoff=(), days: int = 7
) -> Scenario:
    settings_ = Settings(
        week_start=MONDAY,
        days=days,
        rules=rules or Rules(),
        tiers={"L1": TierSettings(floor=0)},
    )
    languages = sorted({lang for agent in agents for lang in agent.languages})
    demand = pd.DataFrame(
        {
            "interval_start": [pd.Timestamp(settings_.horizon.start)] * len(languages),
            "language": languages,
            "arrivals": [1.0] * len(languages),
        }
    )
    return Scenario(
        settings=settings_, agents=tuple(agents), demand=demand, timeoff=tuple(timeoff)
    )


def _day(
    offset: int, start: time = time(9), hours: float = 8, agent="a1", tz=BERLIN
) -> Shift:
    return make_shift(agent, tz, MONDAY + timedelta(days=offset), start, hours)


def _week(agent="a1", days=range(5)) -> list[Shift]:
    return [_day(offset, agent=agent) for offset in days]


def _only(violations: list[str], fragment: str) -> None:
    assert len(violations) == 1, violations
    assert fragment in violations[0]


def test_checker_accepts_valid_week():
    assert check_roster(_scenario([_agent()]), _week()) == []


def test_checker_max_hours():
    violations = check_roster(_scenario([_agent(max_hours_week=32)]), _week())

    _only(violations, "contract max 32")


def test_checker_min_hours():
    violations = check_roster(
        _scenario([_agent(min_hours_week=40)]), _week(days=range(4))
    )

    _only(violations, "contract min 40")


def test_checker_max_days():
    violations = check_roster(_scenario([_agent(max_days_week=4)]), _week())

    _only(violations, "5 working days")


def test_checker_rest_same_week():
    shifts = [_day(0, time(14)), _day(1, time(6))]

    violations = check_roster(_scenario([_agent()]), shifts)

    _only(violations, "8 h after")


def test_checker_rest_elapsed_across_dst():
    # 17:00 CET + 8 h on the clock ends 01:00 CET (00:00 UTC); 12:00 CEST is 10:00 UTC.
    # The wall clocks are 11 h apart, but only 10 h elapse.
    shifts = [_day(5, time(17)), _day(6, time(12))]
    assert shifts[0].end_utc == _utc("2027-03-28T00:00Z")
    assert shifts[1].start_utc == _utc("2027-03-28T10:00Z")

    violations = check_roster(_scenario([_agent()]), shifts)

    _only(violations, "10 h after")


def test_checker_rest_across_week_boundary():
    previous = [_day(-1, time(17))]

    violations = check_roster(
        _scenario([_agent()]), [_day(0)], previous_roster=previous
    )

    _only(violations, "8 h after")


def test_checker_consecutive_days_with_previous_week():
    previous = [_day(offset) for offset in range(-5, 0)]
    scenario = _scenario([_agent()])

    assert check_roster(scenario, _week(days=range(1)), previous_roster=previous) == []
    violations = check_roster(scenario, _week(days=range(2)), previous_roster=previous)

    _only(violations, "7 consecutive days")


def test_checker_consecutive_days_local_dates():
    # A Tokyo agent's 09:00 shifts start at 00:00 UTC on each local date.
    rules = Rules(max_consecutive_days=3)
    agent = _agent(timezone="Asia/Tokyo")
    shifts = [_day(offset, tz="Asia/Tokyo") for offset in range(4)]

    violations = check_roster(_scenario([agent], rules), shifts)

    _only(violations, "4 consecutive days")


def test_checker_timeoff_overlap():
    absence = TimeOff(
        agent_id="a1", start=_utc("2027-03-23T12:00Z"), end=_utc("2027-03-24T00:00Z")
    )
    scenario = _scenario([_agent()], timeoff=[absence])

    violations = check_roster(scenario, _week())

    _only(violations, "time off")


def test_checker_timeoff_touching_is_allowed():
    absence = TimeOff(
        agent_id="a1", start=_utc("2027-03-23T16:00Z"), end=_utc("2027-03-24T08:00Z")
    )
    scenario = _scenario([_agent()], timeoff=[absence])

    assert check_roster(scenario, _week()) == []


def test_checker_night_rule():
    scenario = _scenario([_agent(night_ok=False)])

    assert check_roster(scenario, [_day(0, time(6)), _day(1, time(16))]) == []
    violations = check_roster(scenario, [_day(2, time(22))])

    _only(violations, "night of 2027-03-25")


def test_checker_night_rule_kathmandu():
    # 23:00 +05:45 is 17:15 UTC; an 8-hour shift runs to 07:00 local.
    agent = _agent(timezone="Asia/Kathmandu", night_ok=False)
    rules = Rules(start_step_minutes=30)

    violations = check_roster(
        _scenario([agent], rules), [_day(0, time(23), tz="Asia/Kathmandu")]
    )

    _only(violations, "night")


def test_checker_shift_length():
    scenario = _scenario([_agent()])

    assert (
        check_roster(scenario, [_day(5, time(22))]) == []
    )  # 7 paid hours on DST night
    violations = check_roster(scenario, [_day(0, hours=6)])

    _only(violations, "not 8 h")


def test_checker_shift_length_paid_not_nominal():
    # 22:00 CET to 05:00 CEST is 7 hours on the clock, so it is no 8-hour shift,
    # even though 7 hours would be paid for the correct shift too.
    start = _utc("2027-03-27T21:00Z")
    shift = Shift("a1", BERLIN, date(2027, 3, 27), start, start + timedelta(hours=6))

    violations = check_roster(_scenario([_agent()]), [shift])

    _only(violations, "not 8 h")


def test_checker_start_grid():
    scenario = _scenario([_agent()])

    violations = check_roster(scenario, [_day(0, time(9, 30))])

    _only(violations, "off the 60-minute grid")


def test_checker_start_grid_is_local():
    agent = _agent(timezone="Asia/Kathmandu")

    shift = _day(1, time(9), tz="Asia/Kathmandu")

    assert shift.start_utc.minute == 15
    assert check_roster(_scenario([agent]), [shift]) == []


def test_checker_start_inside_horizon():
    tokyo = _agent("t1", timezone="Asia/Tokyo")
    scenario = _scenario([_agent(), tokyo])
    last_minute = _day(7, time(0))  # 2027-03-29 00:00 CEST is 28 March 22:00 UTC.
    too_late = _day(7, time(9))  # 2027-03-29 07:00 UTC
    too_early = _day(0, time(8), agent="t1", tz="Asia/Tokyo")  # Sunday 23:00 UTC

    assert check_roster(scenario, [last_minute]) == []
    _only(check_roster(scenario, [too_late]), "outside the horizon")
    _only(check_roster(scenario, [too_early]), "outside the horizon")


def test_checker_one_shift_per_date():
    rules = Rules(shift_hours=(4,), min_rest_hours=0)
    shifts = [_day(0, time(6), hours=4), _day(0, time(14), hours=4)]

    violations = check_roster(_scenario([_agent()], rules), shifts)

    _only(violations, "2 shifts on one local date")


def test_checker_labels():
    scenario = _scenario([_agent()])
    shift = _day(0)
    wrong_zone = Shift(
        "a1", "Europe/Paris", shift.date_local, shift.start_utc, shift.end_utc
    )
    wrong_date = Shift("a1", BERLIN, date(2027, 3, 23), shift.start_utc, shift.end_utc)
    stranger = Shift("zz", BERLIN, shift.date_local, shift.start_utc, shift.end_utc)

    assert "agent is in Europe/Berlin" in check_roster(scenario, [wrong_zone])[0]
    assert "starts on local date 2027-03-22" in check_roster(scenario, [wrong_date])[0]
    assert "no known agent" in check_roster(scenario, [stranger])[0]


def _allocation(rows) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"interval_start": _utc(at), "queue": queue, "scheduled": n}
            for at, queue, n in rows
        ]
    )


def test_checker_allocation_exceeds_on_shift():
    scenario = _scenario([_agent(), _agent("b1", languages=("en",))])
    shifts = [_day(0)]  # a1 on shift 08:00-16:00 UTC.

    fine = _allocation([("2027-03-22T08:00Z", "L1-de", 1)])
    too_many = _allocation([("2027-03-22T08:00Z", "L1-de", 2)])
    wrong_skill = _allocation([("2027-03-22T08:00Z", "L1-en", 1)])
    off_shift = _allocation([("2027-03-22T16:00Z", "L1-de", 1)])

    assert check_roster(scenario, shifts, allocation=fine) == []
    _only(check_roster(scenario, shifts, allocation=too_many), "2 allocated, 1 able")
    _only(check_roster(scenario, shifts, allocation=wrong_skill), "0 able")
    _only(check_roster(scenario, shifts, allocation=off_shift), "0 able")


def test_checker_multilingual_agent_counts_once():
    scenario = _scenario([_agent(languages=("de", "en"))])
    both = _allocation(
        [("2027-03-22T08:00Z", "L1-de", 1), ("2027-03-22T08:00Z", "L1-en", 1)]
    )

    violations = check_roster(scenario, [_day(0)], allocation=both)

    _only(violations, "L1-de+L1-en: 2 allocated, 1 able")


def test_checker_partial_interval_not_on_shift():
    agent = _agent(timezone="Asia/Kathmandu")
    shift = _day(0, time(9), tz="Asia/Kathmandu")  # 03:15-11:15 UTC
    partial = _allocation([("2027-03-22T03:00Z", "L1-de", 1)])
    whole = _allocation([("2027-03-22T03:30Z", "L1-de", 1)])

    assert check_roster(_scenario([agent]), [shift], allocation=whole) == []
    _only(check_roster(_scenario([agent]), [shift], allocation=partial), "0 able")


# --- Rosters from the solver --------------------------------------------------------

ZONES = [
    "Asia/Kathmandu",
    "Asia/Kolkata",
    "America/New_York",
    "Australia/Sydney",
    "Europe/Berlin",
]
LANGUAGES = ["de", "en", "ja"]
# Each start date puts a clock change inside a 2-3 day horizon: Europe goes forward
# on 2027-03-28, Sydney goes back on 2027-04-04 and New York goes back on 2027-11-07.
DST_STARTS = [date(2027, 3, 27), date(2027, 4, 3), date(2027, 11, 6)]


@st.composite
def solver_cases(draw):
    """Draw a small scenario, a requirement table and a previous-week roster."""
    days = draw(st.integers(2, 3))
    week_start = draw(st.sampled_from(DST_STARTS))
    tiers = draw(st.sampled_from([["L1"], ["L1", "L2"]]))
    languages = draw(
        st.lists(st.sampled_from(LANGUAGES), min_size=1, max_size=3, unique=True)
    )
    interval = draw(st.sampled_from([30, 60]))
    rules = Rules(
        shift_hours=tuple(draw(st.sampled_from([(8,), (8, 10), (6, 9)]))),
        start_step_minutes=draw(st.sampled_from([30, 60, 120])),
        min_rest_hours=draw(st.sampled_from([8, 11, 12])),
        max_consecutive_days=draw(st.integers(1, 3)),
    )
    settings_ = Settings(
        week_start=week_start,
        days=days,
        interval_minutes=interval,
        tiers={
            tier: TierSettings(
                floor=draw(st.integers(0, 2)), language_floor=draw(st.integers(0, 1))
            )
            for tier in tiers
        },
        rules=rules,
    )

    agents = [
        draw(_agents(index, tiers, languages))
        for index in range(draw(st.integers(3, 8)))
    ]
    horizon = settings_.horizon
    timeoff = _draw_timeoff(draw, agents, horizon.start)
    previous = _draw_previous(draw, agents, week_start)
    agents = _draw_minimum_hours(
        draw, agents, timeoff, previous, min(rules.shift_hours)
    )

    demand = pd.DataFrame(
        {
            "interval_start": [pd.Timestamp(horizon.start)] * len(languages),
            "language": sorted(languages),
            "arrivals": [1.0] * len(languages),
        }
    )
    scenario = Scenario(
        settings=settings_, agents=tuple(agents), demand=demand, timeoff=tuple(timeoff)
    )
    requirements = _draw_requirements(draw, scenario)
    return scenario, requirements, previous


@st.composite
def _agents(draw, index: int, tiers: list[str], languages: list[str]):
    max_hours = draw(st.sampled_from([8, 16, 20, 40]))
    return Agent(
        agent_id=f"a{index}",
        tier=draw(st.sampled_from(tiers)),
        languages=tuple(
            draw(st.lists(st.sampled_from(languages), min_size=1, unique=True))
        ),
        timezone=draw(st.sampled_from(ZONES)),
        max_hours_week=max_hours,
        max_days_week=draw(st.integers(1, 3)),
        night_ok=draw(st.booleans()),
        cost_per_hour=draw(st.sampled_from([1.0, 1.5])),
    )


def _draw_minimum_hours(
    draw, agents, timeoff, previous, shortest: float
) -> list[Agent]:
    """Give some agents a contract minimum of one shortest shift, where it is reachable.

    Reachable means the agent accepts night work, has no time off and no previous-week
    shift, so that neither the night rule nor rest nor time off can block every option.
    """
    blocked = {absence.agent_id for absence in timeoff} | {s.agent_id for s in previous}
    result = []
    for agent in agents:
        free = agent.night_ok and agent.agent_id not in blocked
        if free and agent.max_hours_week >= shortest and draw(st.booleans()):
            agent = agent.model_copy(update={"min_hours_week": shortest})
        result.append(agent)
    return result


def _draw_timeoff(draw, agents: list[Agent], start: datetime) -> list[TimeOff]:
    absences = []
    for agent in agents:
        if draw(st.booleans()):
            begin = start + timedelta(hours=draw(st.integers(-12, 48)))
            length = timedelta(hours=draw(st.integers(1, 20)))
            absences.append(
                TimeOff(agent_id=agent.agent_id, start=begin, end=begin + length)
            )
    return absences


def _draw_previous(draw, agents: list[Agent], week_start: date) -> list[Shift]:
    """A previous roster: one to three daily shifts ending shortly before the horizon."""
    previous = []
    for agent in agents[:3]:
        hour = draw(st.sampled_from([8, 14, 16]))
        for back in range(draw(st.integers(0, 3)), 0, -1):
            day = week_start - timedelta(days=back)
            previous.append(
                make_shift(agent.agent_id, agent.timezone, day, time(hour), 8)
            )
    return previous


def _draw_requirements(draw, scenario: Scenario) -> pd.DataFrame:
    level = draw(st.integers(0, 2))
    rows = []
    for index, start in enumerate(scenario.horizon.starts()):
        for queue in scenario.queues:
            tier, language = queue.split("-", 1)
            required = level if (index // 4) % 3 else 0
            required = max(required, scenario.settings.tiers[tier].language_floor)
            rows.append(
                {
                    "interval_start": start,
                    "queue": queue,
                    "tier": tier,
                    "language": language,
                    "arrivals": float(required),
                    "workload_erlangs": float(required) * 0.6,
                    "required_raw": required,
                    "required": required,
                }
            )
    return pd.DataFrame(rows)


@pytest.mark.slow
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(solver_cases(), st.sampled_from([1, 2]))
def test_solver_rosters_keep_rules(case, workers):
    if not hasattr(solver, "solve"):
        pytest.skip("the roster solver is not installed")
    scenario, requirements, previous = case

    result = solver.solve(
        scenario,
        requirements,
        time_limit=2.0,
        seed=0,
        workers=workers,
        previous_roster=previous,
    )

    assert result.status in ("OPTIMAL", "FEASIBLE"), result.messages
    event(
        f"shifts: {min(len(result.shifts), 5)}{'+' if len(result.shifts) >= 5 else ''}"
    )
    event(f"floor violations: {'some' if len(result.floor_violations) else 'none'}")
    violations = check_roster(scenario, result.shifts, previous, result.allocation)
    assert violations == []
    _assert_floor_violations_reported(scenario, requirements, previous, result)


def _assert_floor_violations_reported(scenario, requirements, previous, result) -> None:
    """Every interval below a floor in the roster's own coverage is in the result."""
    coverage = coverage_frame(
        scenario, requirements, result.shifts + previous, result.allocation
    )
    below = below_floor(coverage, scenario)
    found = set(
        zip(pd.to_datetime(below["interval_start"], utc=True), below["tier_or_queue"])
    )

    reported_frame = result.floor_violations
    reported = set(
        zip(
            pd.to_datetime(reported_frame["interval_start"], utc=True),
            reported_frame["tier_or_queue"],
        )
    )
    assert found <= reported, sorted(found - reported)[:5]


@pytest.mark.slow
def test_demo_roster_keeps_rules():
    from conftest import DEMO

    from planner.loading import load_scenario
    from planner.requirements import compute_requirements

    if not (DEMO / "scenario.toml").exists():
        pytest.skip("the demo scenario is absent")
    scenario = load_scenario(DEMO)
    requirements = compute_requirements(scenario)

    result = solver.solve(scenario, requirements, time_limit=5.0, seed=0, workers=1)

    assert result.has_roster, result.messages
    assert check_roster(scenario, result.shifts, allocation=result.allocation) == []
    _assert_floor_violations_reported(scenario, requirements, [], result)
