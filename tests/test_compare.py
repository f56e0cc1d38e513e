"""KPI comparison of two summaries."""

from __future__ import annotations

import math

import pytest

from planner.compare import compare

FIRST = {
    "paid_hours": 100.0,
    "cost": 4000.0,
    "intervals_below_floor": 0,
    "intervals_below_requirement": 4,
    "mttr_minutes": {"overall": 60.0, "L1": 20.0, "L2": 200.0, "L3": None},
    "service_level": {"overall": 0.8, "L1": 0.9, "L2": 0.5, "L3": None},
    "simulation": {
        "abandonment": False,
        "mttr_minutes": {"overall": {"mean": 62.0, "ci_low": 58.0, "ci_high": 66.0}},
        "service_level": {"overall": {"mean": 0.79, "ci_low": 0.77, "ci_high": 0.81}},
    },
}
SECOND = {
    "paid_hours": 90.0,
    "cost": 3600.0,
    "intervals_below_floor": 2,
    "intervals_below_requirement": 10,
    "mttr_minutes": {"overall": 90.0, "L1": 20.0, "L2": 350.0, "L3": None},
    "service_level": {"overall": 0.7, "L1": 0.9, "L2": 0.2, "L3": None},
}


def test_differences_and_relative_change():
    table = compare(FIRST, SECOND, labels=("24/7", "business")).set_index("metric")

    assert table.loc["MTTR overall [min]", "24/7"] == 60.0
    assert table.loc["MTTR overall [min]", "business"] == 90.0
    assert table.loc["MTTR overall [min]", "difference"] == 30.0
    assert table.loc["MTTR overall [min]", "relative_change"] == pytest.approx(0.5)
    assert table.loc["cost", "relative_change"] == pytest.approx(-0.1)
    assert table.loc["intervals below floor", "difference"] == 2
    assert "MTTR L3 [min]" not in table.index


def test_zero_baseline_has_no_relative_change():
    table = compare(FIRST, SECOND).set_index("metric")
    assert math.isnan(table.loc["intervals below floor", "relative_change"])


def test_simulated_rows_carry_intervals():
    table = compare(FIRST, SECOND).set_index("metric")
    row = table.loc["simulated MTTR overall [min]"]
    assert row["A"] == 62.0
    assert row["A ci_low"] == 58.0
    assert row["A ci_high"] == 66.0
    assert math.isnan(row["B"])
    assert math.isnan(row["difference"])
    assert "simulated abandonment share" not in table.index


def test_labels_must_differ():
    with pytest.raises(ValueError, match="labels"):
        compare(FIRST, SECOND, labels=("x", "x"))


def test_rejects_other_objects():
    with pytest.raises(TypeError, match="summary mapping"):
        compare(FIRST, 3)
