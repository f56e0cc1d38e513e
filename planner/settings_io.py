"""Scenario settings: read from TOML or key/value rows, check keys, write TOML.

Settings are validated by the pydantic model ``planner.model.Settings``. Before that,
every key is checked against the model at every nesting level, so that a misspelt key
(``[tiers.L1] servce_level``) is reported with the closest valid name instead of being
rejected in pydantic's words. Pydantic's errors are then turned into Problems.
"""

from __future__ import annotations

import difflib
import json
import math
import re
import tomllib
import typing
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ValidationError

from planner.model import DEFAULT_TIERS, TIERS, Settings, TierSettings
from planner.problems import Problem

# Examples of valid values, quoted in the fix text of a problem.
KEY_HINTS = {
    "name": "any text",
    "week_start": "a date like 2027-03-22 (the horizon starts at 00:00 UTC on it)",
    "days": "a whole number of days from 1 to 28",
    "interval_minutes": "15, 30 or 60",
    "aht_minutes": "a positive number of minutes",
    "service_level": "a share between 0 and 1, e.g. 0.80 for 80%",
    "target_wait_minutes": "a number of minutes, 0 or more",
    "escalation_rate": "a share between 0 and 1, e.g. 0.20 for 20%",
    "floor": "a whole number of agents, 0 or more",
    "language_floor": "a whole number of agents, 0 or more",
    "patience_minutes": "a positive number of minutes (or leave it out for Erlang C)",
    "shrinkage": "a share from 0 up to (not including) 1, e.g. 0.30 for 30%",
    "max_occupancy": "a share above 0 and at most 1, e.g. 0.85 for 85%",
    "shift_hours": "a list of shift lengths in hours, each in (0, 24], e.g. [8, 10]",
    "start_step_minutes": "a number of minutes that divides a day, e.g. 30 or 60",
    "min_rest_hours": "a number of hours, 0 or more",
    "max_consecutive_days": "a whole number of days, 1 or more",
    "time_limit_seconds": "a positive number of seconds",
    "seed": "a whole number, 0 or more",
    "workers": "a whole number of solver threads, 1 or more",
    "shortfall": "a weight, 0 or more",
    "cost": "a weight, 0 or more",
    "surplus": "a weight, 0 or more",
    "fairness": "a weight, 0 or more",
}

ERROR_TEXT = {
    "missing": "is missing",
    "float_parsing": "is not a number",
    "float_type": "is not a number",
    "int_parsing": "is not a whole number",
    "int_type": "is not a whole number",
    "int_from_float": "is not a whole number",
    "bool_parsing": "is not true or false",
    "bool_type": "is not true or false",
    "string_type": "is not text",
    "date_parsing": "is not a date",
    "date_type": "is not a date",
    "date_from_datetime_inexact": "is a date-time, not a date",
    "date_from_datetime_parsing": "is not a date",
    "tuple_type": "is not a list",
    "list_type": "is not a list",
    "dict_type": "is not a section of keys",
    "model_type": "is not a section of keys",
    "too_short": "is empty",
}


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _is_sequence_field(model: type[BaseModel], key: str) -> bool:
    origin = typing.get_origin(model.model_fields[key].annotation)
    return origin in (tuple, list)


def leaf_sections() -> dict[str, list[str]]:
    """Map every settings key to the sections where it is valid, e.g. floor -> tiers.L1."""
    found: dict[str, list[str]] = {}

    def walk(model: type[BaseModel], prefix: str) -> None:
        for key, info in model.model_fields.items():
            nested = _model_of(info.annotation)
            if key == "tiers" and model is Settings:
                for tier in TIERS:
                    walk(TierSettings, f"tiers.{tier}")
            elif nested is not None:
                walk(nested, f"{prefix}.{key}" if prefix else key)
            else:
                found.setdefault(key, []).append(prefix)

    walk(Settings, "")
    return found


def _dotted(*parts: Any) -> str:
    return ".".join(str(part) for part in parts if part != "")


def _show(value: Any) -> str:
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, default=str)
    return str(value)


class SettingsReader:
    """Check raw settings and turn them into ``Settings`` plus a list of Problems.

    ``rows`` maps a dotted key to the line or sheet row where it was written.
    """

    def __init__(self, file: str, rows: dict[str, int] | None = None):
        self.file = file
        self.rows = rows or {}
        self.problems: list[Problem] = []
        self.sections = leaf_sections()

    def report(self, key: str, value: Any, message: str, fix: str) -> None:
        # A list item (rules.shift_hours.1) is written on the line of its list.
        row = self.rows.get(re.sub(r"(\.\d+)+$", "", key))
        shown = None if value is None else _show(value)
        self.problems.append(Problem(self.file, row, key, shown, message, fix))

    def read(self, raw: dict[str, Any]) -> Settings | None:
        cleaned = self._clean(Settings, raw, "")
        self._fill_tier_defaults(cleaned)
        try:
            return Settings.model_validate(cleaned)
        except ValidationError as error:
            for detail in error.errors():
                self._report_pydantic(detail, cleaned)
            return None

    def _clean(self, model: type[BaseModel], raw: Any, prefix: str) -> dict[str, Any]:
        """Drop (and report) unknown keys; recurse into nested sections."""
        if not isinstance(raw, dict):
            return raw
        cleaned: dict[str, Any] = {}
        for key, value in raw.items():
            dotted = _dotted(prefix, key)
            if key not in model.model_fields:
                self._report_unknown(model, key, value, prefix)
                continue
            if model is Settings and key == "tiers":
                cleaned[key] = self._clean_tiers(value)
                continue
            nested = _model_of(model.model_fields[key].annotation)
            if nested is not None:
                cleaned[key] = self._clean(nested, value, dotted)
            elif _is_sequence_field(model, key):
                cleaned[key] = _as_list(value)
            elif (
                isinstance(value, str) and model.model_fields[key].annotation is not str
            ):
                # Text from an editable table or a sheet: "30" means the number 30.
                cleaned[key] = parse_cell_value(value)
            elif model.model_fields[key].annotation is str and value is not None:
                cleaned[key] = value if isinstance(value, str) else str(value)
            else:
                cleaned[key] = value
            if model.model_fields[key].annotation is date and _is_number(value):
                # Pydantic would read 20270322 (or 0) as a Unix time.
                self.report(
                    dotted,
                    value,
                    "is a number, not a date",
                    f"Set {dotted} to {KEY_HINTS.get(key, 'a date')}.",
                )
                del cleaned[key]
            elif _is_non_finite(cleaned[key]):
                hint = KEY_HINTS.get(key, "a finite number")
                self.report(
                    dotted, value, "is not a finite number", f"Set {dotted} to {hint}."
                )
                del cleaned[key]
        return cleaned

    def _clean_tiers(self, raw: Any) -> Any:
        if not isinstance(raw, dict):
            return raw
        tiers = {}
        for tier, section in raw.items():
            if tier in TIERS:
                tiers[tier] = self._clean(TierSettings, section, f"tiers.{tier}")
                continue
            close = [
                name for name in TIERS if name.lower() == str(tier).strip().lower()
            ]
            hint = f"Did you mean [tiers.{close[0]}]? " if close else ""
            self.report(
                f"tiers.{tier}",
                None,
                f"unknown tier {tier!r}",
                f"{hint}Tiers are L1, L2 and L3; name the section [tiers.L1], "
                "[tiers.L2] or [tiers.L3].",
            )
        return tiers

    def _fill_tier_defaults(self, cleaned: dict[str, Any]) -> None:
        """Give each tier section the defaults of that tier for keys left out."""
        tiers = cleaned.get("tiers")
        if not isinstance(tiers, dict):
            return
        for tier, section in tiers.items():
            if isinstance(section, dict):
                defaults = DEFAULT_TIERS[tier].model_dump(exclude_none=True)
                tiers[tier] = {**defaults, **section}

    def _report_unknown(
        self, model: type[BaseModel], key: str, value: Any, prefix: str
    ) -> None:
        dotted = _dotted(prefix, key)
        where = f"[{prefix}]" if prefix else "the top level"
        valid = list(model.model_fields)
        close = difflib.get_close_matches(str(key), valid, n=1, cutoff=0.6)
        if close:
            fix = (
                f"Did you mean {close[0]!r}? Valid keys in {where}: {', '.join(valid)}."
            )
        elif str(key) in self.sections:
            homes = ", ".join(
                f"[{home}]" if home else "the top level" for home in self.sections[key]
            )
            fix = f"{key!r} belongs in {homes}; move it there."
        else:
            fix = f"Remove it or use one of the valid keys in {where}: {', '.join(valid)}."
        self.report(dotted, value, f"unknown key {key!r} in {where}", fix)

    def _report_pydantic(self, detail: dict[str, Any], cleaned: dict[str, Any]) -> None:
        loc = [str(part) for part in detail["loc"] if part != "[key]"]
        key = ".".join(loc)
        named = [part for part in loc if not part.isdigit()]
        leaf = named[-1] if named else ""
        kind = detail["type"]
        if kind == "missing" and any(p.column == key for p in self.problems):
            return  # The value was present but rejected, and that is reported.
        context = detail.get("ctx") or {}
        value = None if kind == "missing" else detail.get("input")
        message = _error_text(kind, context)
        hint = KEY_HINTS.get(leaf)
        fix = f"Set {'.'.join(named)} to {hint}." if hint else "Correct the value."
        if kind == "missing" and key == "week_start":
            message = "week_start is missing"
            fix = "Add week_start = 2027-03-22 (any date; the horizon starts there)."
        elif kind == "value_error":
            key, value = _value_error_key(key, message, cleaned)
            fix = (
                f"Set {key} to {KEY_HINTS[key.rsplit('.', 1)[-1]]}."
                if "." in key
                else "Correct the value."
            )
        self.report(key, value, message, fix)


def _error_text(kind: str, context: dict[str, Any]) -> str:
    if kind in ERROR_TEXT:
        return ERROR_TEXT[kind]
    bounds = {
        "greater_than": "must be greater than {gt}",
        "greater_than_equal": "must be at least {ge}",
        "less_than": "must be less than {lt}",
        "less_than_equal": "must be at most {le}",
        "literal_error": "must be one of {expected}",
    }
    if kind in bounds:
        return bounds[kind].format(**{k: _plain(v) for k, v in context.items()})
    if kind == "value_error":
        return str(context.get("error", "is invalid"))
    return "is invalid"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_non_finite(value: Any) -> bool:
    return isinstance(value, float) and not math.isfinite(value)


def _plain(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _value_error_key(
    key: str, message: str, cleaned: dict[str, Any]
) -> tuple[str, Any]:
    """Point a model-level error (``rules``) at the key its message names."""
    section = cleaned.get(key)
    if not isinstance(section, dict):
        return key, section
    for name in section:
        if name in message:
            return f"{key}.{name}", section[name]
    return key, section


def _as_list(value: Any) -> Any:
    """Accept a single value, a list, or text like ``8;10`` for a list-valued key."""
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, str):
        parts = [part for part in re.split(r"[;,\s\[\]]+", value) if part]
        return parts
    return [value]


def read_settings(raw: dict[str, Any], file: str, rows: dict[str, int] | None = None):
    """Validate raw settings; return ``(Settings or None, problems)``."""
    reader = SettingsReader(file, rows)
    settings = reader.read(raw)
    return (settings if not reader.problems else None), reader.problems


def parse_toml(
    text: str, file: str
) -> tuple[dict[str, Any], dict[str, int], list[Problem]]:
    """Parse TOML text; return the data, the line of each dotted key, and problems."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"line (\d+)", str(error))
        row = int(match.group(1)) if match else None
        problem = Problem(
            file,
            row,
            None,
            None,
            f"invalid TOML: {error}",
            "Fix the syntax: key = value, text in double quotes, sections as [name].",
        )
        return {}, {}, [problem]
    return data, key_lines(text), []


def key_lines(text: str) -> dict[str, int]:
    """Map dotted keys (``tiers.L1.floor``) to their line in a TOML text."""
    lines: dict[str, int] = {}
    section = ""
    for number, line in enumerate(text.splitlines(), start=1):
        header = re.match(r"^\s*\[([^\[\]]+)\]", line)
        if header:
            section = ".".join(
                part.strip().strip('"') for part in header.group(1).split(".")
            )
            lines.setdefault(section, number)
            continue
        assignment = re.match(r"^\s*([A-Za-z0-9_\-\.\" ]+?)\s*=", line)
        if assignment:
            key = ".".join(
                part.strip().strip('"') for part in assignment.group(1).split(".")
            )
            lines.setdefault(_dotted(section, key), number)
    return lines


def parse_cell_value(value: Any) -> Any:
    """Type a settings cell from a spreadsheet: numbers, dates and TOML literals."""
    if isinstance(value, datetime):
        return value.date() if value.time() == datetime.min.time() else value
    if not isinstance(value, str):
        return value
    text = value.strip()
    if re.fullmatch(r"[+-]?\d*,\d+", text):
        return float(text.replace(",", "."))
    try:
        return tomllib.loads(f"value = {text}")["value"]
    except tomllib.TOMLDecodeError:
        pass
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    return text


def settings_from_rows(
    records: list[tuple[int, list[Any]]], file: str
) -> tuple[dict[str, Any], dict[str, int], list[Problem]]:
    """Read key/value rows (``key, value`` or ``section, key, value``) into a dict."""
    problems: list[Problem] = []
    if not records:
        return (
            {},
            {},
            [Problem(file, None, None, None, "the sheet is empty", _ROWS_FIX)],
        )
    header = [str(cell or "").strip().lower() for cell in records[0][1]]
    if "key" not in header or "value" not in header:
        problem = Problem(
            file,
            records[0][0],
            None,
            " | ".join(header),
            "missing header row",
            _ROWS_FIX,
        )
        return {}, {}, [problem]
    key_at = header.index("key")
    value_at = header.index("value")
    section_at = header.index("section") if "section" in header else None
    data: dict[str, Any] = {}
    rows: dict[str, int] = {}
    for row, cells in records[1:]:
        cells = list(cells) + [None] * (len(header) - len(cells))
        key = str(cells[key_at] or "").strip()
        section = str(cells[section_at] or "").strip() if section_at is not None else ""
        section = section.strip("[]").strip()
        if not key:
            continue
        dotted = _dotted(section, key)
        value = cells[value_at]
        if value is None or (isinstance(value, str) and not value.strip()):
            problems.append(
                Problem(
                    file,
                    row,
                    dotted,
                    None,
                    "the value is empty",
                    "Fill in a value or delete the row.",
                )
            )
            continue
        if dotted in rows:
            problems.append(
                Problem(
                    file,
                    row,
                    dotted,
                    str(value),
                    f"duplicate key (also on row {rows[dotted]})",
                    "Keep one row per key and delete the other.",
                )
            )
            continue
        _put(data, dotted.split("."), parse_cell_value(value))
        rows[dotted] = row
    return data, rows, problems


_ROWS_FIX = (
    "Give the settings sheet a header row with the columns key and value (and "
    "optionally section), then one row per setting, e.g. tiers.L1.floor | 2."
)


def _put(data: dict[str, Any], path: list[str], value: Any) -> None:
    for part in path[:-1]:
        data = data.setdefault(part.strip(), {})
        if not isinstance(data, dict):
            return
    data[path[-1].strip()] = value


def settings_to_dict(settings: Settings) -> dict[str, Any]:
    """Return the settings as plain data that ``read_settings`` accepts."""
    return settings.model_dump(mode="python", exclude_none=True)


def settings_to_toml(settings: Settings) -> str:
    """Write settings as TOML text: top-level keys, then one section per table."""
    data = settings_to_dict(settings)
    lines: list[str] = []
    _write_table(data, "", lines)
    return "\n".join(lines).strip() + "\n"


def _write_table(data: dict[str, Any], prefix: str, lines: list[str]) -> None:
    scalars = {key: value for key, value in data.items() if not isinstance(value, dict)}
    tables = {key: value for key, value in data.items() if isinstance(value, dict)}
    if prefix and scalars:
        lines.append(f"\n[{prefix}]")
    for key, value in scalars.items():
        lines.append(f"{key} = {_toml_value(value)}")
    for key, value in tables.items():
        _write_table(value, _dotted(prefix, key), lines)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    # JSON escapes the control characters below U+0020; TOML also forbids U+007F.
    return json.dumps(str(value), ensure_ascii=False).replace("\x7f", "\\u007f")
