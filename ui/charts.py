"""Altair charts of the planner app; every axis names its unit and time zone."""

from __future__ import annotations

import altair as alt
import pandas as pd

HOUR_AXIS = "Hour of day (UTC)"
TIER_DOMAIN = ["L1", "L2", "L3"]
TIER_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c"]
DAY_AXIS = "Day (UTC)"


def by_day_and_hour(
    frame: pd.DataFrame,
    value: str,
    how: str = "sum",
    time_column: str = "interval_start",
) -> pd.DataFrame:
    """Aggregate ``value`` per UTC day and hour (``day``, ``hour``, ``value``)."""
    times = pd.to_datetime(frame[time_column], utc=True)
    table = pd.DataFrame(
        {
            "day": times.dt.strftime("%a %Y-%m-%d"),
            "date": times.dt.date,
            "hour": times.dt.hour,
            "value": frame[value].astype(float),
        }
    )
    grouped = table.groupby(["date", "day", "hour"], as_index=False)["value"].agg(how)
    return grouped.sort_values(["date", "hour"])


def day_hour_heatmap(
    cells: pd.DataFrame, legend: str, scheme: str = "blues", diverging: bool = False
) -> alt.Chart:
    """Draw ``by_day_and_hour`` cells as a heatmap: days in rows, hours in columns."""
    days = list(dict.fromkeys(cells["day"]))
    if diverging:
        limit = max(1.0, float(cells["value"].abs().max()))
        scale = alt.Scale(scheme="redblue", domain=[-limit, limit], reverse=True)
    else:
        scale = alt.Scale(scheme=scheme)
    return (
        alt.Chart(cells)
        .mark_rect()
        .encode(
            x=alt.X("hour:O", title=HOUR_AXIS, axis=alt.Axis(labelAngle=0)),
            y=alt.Y(
                "day:O", title=DAY_AXIS, sort=days, axis=alt.Axis(labelOverlap=False)
            ),
            # "~g" drops trailing zeros: a constant requirement of 2 reads "2",
            # not "2.000000".
            color=alt.Color(
                "value:Q", title=legend, scale=scale, legend=alt.Legend(format="~g")
            ),
            tooltip=[
                alt.Tooltip("day:O", title="Day (UTC)"),
                alt.Tooltip("hour:O", title="Hour (UTC)"),
                alt.Tooltip("value:Q", title=legend, format=".1f"),
            ],
        )
        .properties(height=alt.Step(30))
    )


def utc_text(times: pd.Series) -> pd.Series:
    """Format instants, or naive wall-clock times, as ISO 8601 text ending in ``Z``.

    Charts read these on a UTC time scale, so the browser's own time zone never shifts
    the axis: UTC instants show as UTC, and wall-clock times show unchanged.
    """
    values = pd.to_datetime(times)
    if values.dt.tz is not None:
        values = values.dt.tz_convert("UTC").dt.tz_localize(None)
    return values.dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def _time_axis(field: str, title: str) -> alt.X:
    return alt.X(
        f"{field}:T",
        title=title,
        scale=alt.Scale(type="utc"),
        axis=alt.Axis(
            format="%a %d %b",
            labelAngle=0,
            tickCount={"interval": "day", "step": 1},
            grid=True,
        ),
    )


def _time_tooltip(field: str, title: str) -> alt.Tooltip:
    return alt.Tooltip(
        f"{field}:T", title=title, format="%a %d %b %H:%M", formatType="utc"
    )


def roster_timeline(bars: pd.DataFrame, zone_label: str) -> alt.Chart:
    """Draw one row per agent with a bar per shift.

    ``bars`` has ``agent``, ``tier``, ``start``, ``end`` (naive wall-clock times in
    the zone named by ``zone_label``) and ``hours``.
    """
    data = bars.copy()
    data["start"] = utc_text(data["start"])
    data["end"] = utc_text(data["end"])
    agents = list(dict.fromkeys(data["agent"]))
    return (
        alt.Chart(data)
        .mark_bar(cornerRadius=2)
        .encode(
            x=_time_axis("start", f"Time ({zone_label})"),
            x2="end:T",
            y=alt.Y(
                "agent:N",
                title="Agent",
                sort=agents,
                axis=alt.Axis(labelOverlap=False, labelLimit=260),
            ),
            color=alt.Color(
                "tier:N",
                title="Tier",
                scale=alt.Scale(domain=TIER_DOMAIN, range=TIER_COLOURS),
            ),
            tooltip=[
                alt.Tooltip("agent:N", title="Agent"),
                alt.Tooltip("tier:N", title="Tier"),
                _time_tooltip("start", f"Start ({zone_label})"),
                _time_tooltip("end", f"End ({zone_label})"),
                alt.Tooltip("hours:Q", title="Paid hours", format=".1f"),
            ],
        )
        .properties(height=alt.Step(18))
    )


def coverage_chart(rows: pd.DataFrame, title: str) -> alt.Chart:
    """Draw required agents (line) against scheduled agents (area) over the week."""
    data = rows[["interval_start", "required", "scheduled", "gap"]].copy()
    data["interval_start"] = utc_text(data["interval_start"])
    scheduled = (
        alt.Chart(data)
        .mark_area(opacity=0.35, interpolate="step-after")
        .encode(
            x=_time_axis("interval_start", "Interval start (UTC)"),
            y=alt.Y("scheduled:Q", title="Agents"),
            tooltip=_coverage_tooltip(),
        )
    )
    required = (
        alt.Chart(data)
        .mark_line(color="#c0392b", interpolate="step-after")
        .encode(x="interval_start:T", y="required:Q", tooltip=_coverage_tooltip())
    )
    return (scheduled + required).properties(title=title, height=260)


def _coverage_tooltip() -> list[alt.Tooltip]:
    return [
        _time_tooltip("interval_start", "Interval (UTC)"),
        alt.Tooltip("required:Q", title="Required agents"),
        alt.Tooltip("scheduled:Q", title="Scheduled agents"),
        alt.Tooltip("gap:Q", title="Gap (required - scheduled)"),
    ]


def gap_heatmap(coverage: pd.DataFrame) -> alt.Chart:
    """Draw the staffing gap per queue and hour: red is short, blue is surplus."""
    data = coverage[["interval_start", "queue", "gap"]].copy()
    data["hour"] = pd.to_datetime(data["interval_start"], utc=True).dt.floor("h")
    cells = data.groupby(["queue", "hour"], as_index=False)["gap"].max()
    cells["hour_end"] = utc_text(cells["hour"] + pd.Timedelta(hours=1))
    cells["hour"] = utc_text(cells["hour"])
    queues = list(dict.fromkeys(coverage["queue"]))
    limit = max(1.0, float(cells["gap"].abs().max()))
    return (
        alt.Chart(cells)
        .mark_rect()
        .encode(
            x=_time_axis("hour", "Hour (UTC)"),
            x2="hour_end:T",
            y=alt.Y(
                "queue:N",
                title="Queue or tier",
                sort=queues,
                axis=alt.Axis(labelOverlap=False),
            ),
            color=alt.Color(
                "gap:Q",
                title="Gap [agents]",
                scale=alt.Scale(scheme="redblue", domain=[-limit, limit], reverse=True),
            ),
            tooltip=[
                alt.Tooltip("queue:N", title="Queue"),
                _time_tooltip("hour", "Hour (UTC)"),
                alt.Tooltip("gap:Q", title="Largest gap in the hour [agents]"),
            ],
        )
        .properties(height=alt.Step(22))
    )
