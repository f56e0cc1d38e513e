"""Saved scenarios with numbered versions, in any database that SQLAlchemy supports.

By default the store is the SQLite file ``planner-store.sqlite`` in the current
directory, so there is no server to start. The environment variable
``PLANNER_STORE_URL`` or the ``url`` argument selects another file or database: a plain
file path, or any SQLAlchemy URL such as ``postgresql+psycopg://host/planner`` for a
team that shares one store.

Every save adds a new version, and no version is ever overwritten. A save names the
version its editor started from (``base_version``). When someone else saved a newer
version in the meantime, the save raises ``ConflictError`` instead of overwriting their
work. A UNIQUE constraint on (scenario name, version) makes this hold for concurrent
savers in other threads and processes too. Each save is one transaction, so a crash in
the middle of it leaves the earlier versions as they were.

A version stores the scenario as tables (settings, agents, demand and time off, as
``planner.loading.scenario_to_tables`` returns them) in JSON text, plus optional
results keyed by file name, e.g. ``{"roster.csv": "<csv text>", "summary.json": {...}}``.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import pandas as pd
from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Engine,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    IntegrityError,
    NoSuchModuleError,
    OperationalError,
)
from sqlalchemy.pool import StaticPool

from planner.loading import build_scenario, scenario_to_tables
from planner.model import Scenario

logger = logging.getLogger(__name__)

STORE_URL_VARIABLE = "PLANNER_STORE_URL"
DEFAULT_STORE_FILE = "planner-store.sqlite"
BUSY_TIMEOUT_MS = 30_000
"""How long a SQLite writer waits for another writer to finish [milliseconds]."""
MAX_NAME_LENGTH = 200
CONTENT_FORMAT = 1
_WRITE = "planner_store_write"

metadata = MetaData()

versions_table = Table(
    "scenario_versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(MAX_NAME_LENGTH), nullable=False),
    Column("version", Integer, nullable=False),
    Column("saved_at", DateTime(timezone=True), nullable=False),
    Column("saved_by", String(MAX_NAME_LENGTH), nullable=False),
    Column("content", Text, nullable=False),
    UniqueConstraint("name", "version", name="uq_scenario_versions_name_version"),
)

results_table = Table(
    "version_results",
    metadata,
    Column("version_id", Integer, nullable=False),
    Column("file_name", String(MAX_NAME_LENGTH), nullable=False),
    Column("attached_at", DateTime(timezone=True), nullable=False),
    Column("content", Text, nullable=False),
    PrimaryKeyConstraint("version_id", "file_name"),
)


class StoreError(Exception):
    """Base class of the errors that the scenario store raises."""


class ScenarioNotFoundError(StoreError, LookupError):
    """Raised when a scenario name or version is not in the store."""


class ConflictError(StoreError):
    """Raised when a save would overwrite a version that the editor has not seen.

    ``latest_version`` is ``None`` when the scenario was deleted after the editor
    loaded it.
    """

    def __init__(
        self,
        name: str,
        base_version: int | None,
        latest_version: int | None,
        saved_by: str = "",
        saved_at: datetime | None = None,
    ):
        self.name = name
        self.base_version = base_version
        self.latest_version = latest_version
        self.saved_by = saved_by
        self.saved_at = saved_at
        super().__init__(self._message())

    def _message(self) -> str:
        if self.latest_version is None:
            return (
                f"Scenario {self.name!r} was deleted after you loaded version "
                f"{self.base_version}. Save your edits under a new name."
            )
        author = self.saved_by or "someone"
        when = f"{self.saved_at:%Y-%m-%d %H:%M} UTC" if self.saved_at else "earlier"
        saved = f"version {self.latest_version} was saved by {author} at {when}"
        if self.base_version is None:
            return (
                f"A scenario named {self.name!r} already exists: {saved}. Load it and "
                "re-apply your edits, or save under a new name."
            )
        return (
            f"Scenario {self.name!r} changed after you loaded version "
            f"{self.base_version}: {saved}. Reload the latest version and re-apply "
            "your edits, or save under a new name."
        )


@dataclass(frozen=True)
class ScenarioInfo:
    """One saved scenario and its latest version."""

    name: str
    latest_version: int
    saved_at: datetime
    saved_by: str


@dataclass(frozen=True)
class VersionInfo:
    """One saved version of a scenario and the names of its attached results."""

    name: str
    version: int
    saved_at: datetime
    saved_by: str
    result_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class StoredScenario:
    """A loaded version: the validated scenario and its results by file name."""

    name: str
    version: int
    saved_at: datetime
    saved_by: str
    scenario: Scenario
    results: dict[str, Any] = field(default_factory=dict)


def resolve_url(url: str | None = None) -> str:
    """Return the database URL: ``url``, else ``$PLANNER_STORE_URL``, else the file.

    A value without ``://`` is read as the path of a SQLite file.
    """
    chosen = url or os.environ.get(STORE_URL_VARIABLE) or DEFAULT_STORE_FILE
    if "://" in chosen:
        return chosen
    return f"sqlite:///{Path(chosen).expanduser()}"


def _configure_sqlite(engine: Engine, in_memory: bool) -> None:
    """Set WAL, a busy timeout and explicit BEGIN statements on every connection.

    The sqlite3 driver is switched to autocommit so that SQLAlchemy's ``begin`` event
    can issue the BEGIN itself. Writes use BEGIN IMMEDIATE, which takes the write lock
    before the latest version is read, so concurrent savers queue instead of failing
    halfway through.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        write = connection.get_execution_options().get(_WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _create_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)

    in_memory = parsed.database in (None, "", ":memory:")
    if in_memory:
        engine = create_engine(
            parsed,
            poolclass=StaticPool,
            connect_args={"check_same_thread": False},
        )
    else:
        engine = create_engine(parsed)
    _configure_sqlite(engine, in_memory)
    return engine


def _as_utc(instant: datetime) -> datetime:
    # SQLite keeps no offset, so a naive value read back is the UTC it was written as.
    if instant.tzinfo is None:
        return instant.replace(tzinfo=UTC)
    return instant.astimezone(UTC)


def _json_default(value: Any) -> Any:
    if isinstance(value, (pd.Timestamp, datetime, date)):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, (tuple, set)):
        return list(value)
    raise TypeError(f"{type(value).__name__} value {value!r} cannot be stored as JSON")


def _frame_to_json(frame: pd.DataFrame | None) -> dict[str, Any] | None:
    """Convert a frame to JSON-ready columns and rows, noting which columns are instants."""
    if frame is None:
        return None
    datetime_columns = [
        str(column)
        for column in frame.columns
        if pd.api.types.is_datetime64_any_dtype(frame[column])
    ]
    plain = frame.astype(object).where(frame.notna(), None)
    for column in datetime_columns:
        plain[column] = [
            None if value is None else pd.Timestamp(value).isoformat()
            for value in plain[column]
        ]
    return {
        "columns": [str(column) for column in frame.columns],
        "datetime_columns": datetime_columns,
        "rows": plain.values.tolist(),
    }


def _frame_from_json(table: dict[str, Any] | None) -> pd.DataFrame | None:
    if table is None:
        return None
    frame = pd.DataFrame(table["rows"], columns=table["columns"])
    for column in table["datetime_columns"]:
        frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
    return frame


def scenario_content(scenario: Scenario) -> str:
    """Serialise ``scenario`` as the JSON text that a version stores."""
    settings, agents, demand, timeoff = scenario_to_tables(scenario)
    content = {
        "format": CONTENT_FORMAT,
        "source": scenario.source,
        "settings": settings,
        "agents": _frame_to_json(agents),
        "demand": _frame_to_json(demand),
        "timeoff": _frame_to_json(timeoff),
    }
    return json.dumps(content, default=_json_default)


def scenario_from_content(text: str, source: str) -> Scenario:
    """Rebuild and validate a scenario from stored JSON text (raises ScenarioError)."""
    content = json.loads(text)
    return build_scenario(
        content["settings"],
        _frame_from_json(content["agents"]),
        _frame_from_json(content["demand"]),
        _frame_from_json(content["timeoff"]),
        source=source,
    )


def _check_name(name: str) -> str:
    cleaned = name.strip() if isinstance(name, str) else ""
    if not cleaned:
        raise ValueError(
            "A scenario name must not be empty. Type a name to save under."
        )
    if len(cleaned) > MAX_NAME_LENGTH:
        raise ValueError(
            f"Scenario name {cleaned[:40]!r}... is {len(cleaned)} characters long; "
            f"shorten it to at most {MAX_NAME_LENGTH}."
        )
    return cleaned


def _results_rows(
    version_id: int, results: dict[str, Any], now: datetime
) -> list[dict[str, Any]]:
    rows = []
    for file_name, value in results.items():
        try:
            text = json.dumps(value, default=_json_default)
        except (TypeError, ValueError) as error:
            raise ValueError(
                f"Result {file_name!r} cannot be stored: {error}"
            ) from error
        rows.append(
            {
                "version_id": version_id,
                "file_name": str(file_name),
                "attached_at": now,
                "content": text,
            }
        )
    return rows


class ScenarioStore:
    """Saved scenarios and their versions in one database.

    ``url`` is a SQLAlchemy URL or a SQLite file path; by default
    ``$PLANNER_STORE_URL``, else ``planner-store.sqlite`` in the current directory.
    Tables are created when the store is opened. One store object may be shared by
    threads. Scenario names lose leading and trailing spaces in every operation.
    """

    def __init__(self, url: str | None = None):
        self.url = resolve_url(url)
        try:
            self.engine = _create_engine(self.url)
        except (ArgumentError, NoSuchModuleError, ImportError) as error:
            logger.error("Could not open scenario store: %s", error)
            raise StoreError(
                f"Could not open the scenario store: {error}. Use a SQLite file path, "
                "or a database URL whose driver is installed (for example "
                f"postgresql+psycopg://... needs the psycopg package); set "
                f"{STORE_URL_VARIABLE} accordingly."
            ) from error
        shown = self.engine.url.render_as_string()
        try:
            with self._writing() as connection:
                metadata.create_all(connection)
        except OperationalError as error:
            self.engine.dispose()
            logger.error("Could not open scenario store %s: %s", shown, error.orig)
            raise StoreError(
                f"Could not open the scenario store {shown} ({error.orig}). Check that "
                f"the folder exists and is writable, or set {STORE_URL_VARIABLE} to "
                "another file or database URL."
            ) from error
        logger.info("Opened scenario store %s", shown)

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def _writing(self) -> _Transaction:
        connection = self.engine.connect().execution_options(**{_WRITE: True})
        return _Transaction(connection)

    def _reading(self) -> _Transaction:
        return _Transaction(self.engine.connect())

    def list_scenarios(self) -> list[ScenarioInfo]:
        """List every saved scenario with its latest version, sorted by name."""
        latest = (
            select(versions_table.c.name, func.max(versions_table.c.version).label("v"))
            .group_by(versions_table.c.name)
            .subquery()
        )
        query = (
            select(
                versions_table.c.name,
                versions_table.c.version,
                versions_table.c.saved_at,
                versions_table.c.saved_by,
            )
            .join(
                latest,
                (versions_table.c.name == latest.c.name)
                & (versions_table.c.version == latest.c.v),
            )
            .order_by(versions_table.c.name)
        )
        with self._reading() as connection:
            rows = connection.execute(query).all()
        return [
            ScenarioInfo(row.name, row.version, _as_utc(row.saved_at), row.saved_by)
            for row in rows
        ]

    def versions(self, name: str) -> list[VersionInfo]:
        """List the versions of ``name``, oldest first (empty when it is not saved)."""
        name = _check_name(name)
        query = (
            select(
                versions_table.c.id,
                versions_table.c.version,
                versions_table.c.saved_at,
                versions_table.c.saved_by,
            )
            .where(versions_table.c.name == name)
            .order_by(versions_table.c.version)
        )
        with self._reading() as connection:
            rows = connection.execute(query).all()
            names = self._result_names(connection, [row.id for row in rows])
        return [
            VersionInfo(
                name,
                row.version,
                _as_utc(row.saved_at),
                row.saved_by,
                names.get(row.id, ()),
            )
            for row in rows
        ]

    def save(
        self,
        name: str,
        scenario: Scenario,
        *,
        base_version: int | None,
        author: str = "",
        results: dict[str, Any] | None = None,
    ) -> int:
        """Save ``scenario`` as the next version of ``name`` and return its number.

        ``base_version`` is the version the editor started from, ``None`` for a new
        name. Raises ConflictError when the latest saved version is a different one.
        """
        name = _check_name(name)
        content = scenario_content(scenario)
        now = datetime.now(UTC)
        try:
            with self._writing() as connection:
                latest = self._latest(connection, name)
                self._check_base(name, base_version, latest)
                version = 1 if latest is None else latest.version + 1
                version_id = connection.execute(
                    insert(versions_table).values(
                        name=name,
                        version=version,
                        saved_at=now,
                        saved_by=author[:MAX_NAME_LENGTH],
                        content=content,
                    )
                ).inserted_primary_key[0]
                if results:
                    rows = _results_rows(version_id, results, now)
                    connection.execute(insert(results_table), rows)
        except IntegrityError as error:
            # Another saver committed the same version number first.
            raise self._conflict_after_race(name, base_version) from error
        logger.info("Saved scenario %r version %d by %r", name, version, author)
        return version

    def load(self, name: str, version: int | None = None) -> StoredScenario:
        """Load ``version`` of ``name`` (the latest by default) and its results.

        Raises ScenarioNotFoundError, or ScenarioError when the stored tables no longer
        pass validation.
        """
        name = _check_name(name)
        with self._reading() as connection:
            row = self._find(connection, name, version)
            results = self._results(connection, row.id)
        scenario = scenario_from_content(
            row.content, source=f"{name} (version {row.version})"
        )
        return StoredScenario(
            name=name,
            version=row.version,
            saved_at=_as_utc(row.saved_at),
            saved_by=row.saved_by,
            scenario=scenario,
            results=results,
        )

    def attach_results(self, name: str, version: int, results: dict[str, Any]) -> None:
        """Attach results to a saved version, replacing results of the same names."""
        name = _check_name(name)
        now = datetime.now(UTC)
        with self._writing() as connection:
            row = self._find(connection, name, version)
            rows = _results_rows(row.id, results, now)
            if not rows:
                return
            connection.execute(
                delete(results_table).where(
                    (results_table.c.version_id == row.id)
                    & results_table.c.file_name.in_([r["file_name"] for r in rows])
                )
            )
            connection.execute(insert(results_table), rows)
        logger.info(
            "Attached %s to scenario %r version %d", sorted(results), name, version
        )

    def delete(self, name: str) -> int:
        """Delete every version of ``name`` and its results; return how many versions."""
        name = _check_name(name)
        with self._writing() as connection:
            ids = (
                connection.execute(
                    select(versions_table.c.id).where(versions_table.c.name == name)
                )
                .scalars()
                .all()
            )
            if not ids:
                raise self._not_found(connection, name)
            connection.execute(
                delete(results_table).where(results_table.c.version_id.in_(ids))
            )
            connection.execute(
                delete(versions_table).where(versions_table.c.name == name)
            )
        logger.info("Deleted scenario %r (%d versions)", name, len(ids))
        return len(ids)

    # Queries shared by the operations above.

    def _latest(self, connection: Connection, name: str) -> Any:
        return connection.execute(
            select(
                versions_table.c.version,
                versions_table.c.saved_at,
                versions_table.c.saved_by,
            )
            .where(versions_table.c.name == name)
            .order_by(versions_table.c.version.desc())
            .limit(1)
        ).first()

    @staticmethod
    def _check_base(name: str, base_version: int | None, latest: Any) -> None:
        latest_version = None if latest is None else latest.version
        if latest_version == base_version:
            return
        if latest is None:
            raise ConflictError(name, base_version, None)
        raise ConflictError(
            name,
            base_version,
            latest.version,
            latest.saved_by,
            _as_utc(latest.saved_at),
        )

    def _conflict_after_race(
        self, name: str, base_version: int | None
    ) -> ConflictError:
        with self._reading() as connection:
            latest = self._latest(connection, name)
        if latest is None:
            return ConflictError(name, base_version, None)
        return ConflictError(
            name,
            base_version,
            latest.version,
            latest.saved_by,
            _as_utc(latest.saved_at),
        )

    def _find(self, connection: Connection, name: str, version: int | None) -> Any:
        query = select(versions_table).where(versions_table.c.name == name)
        if version is None:
            query = query.order_by(versions_table.c.version.desc()).limit(1)
        else:
            query = query.where(versions_table.c.version == version)
        row = connection.execute(query).first()
        if row is None:
            raise self._not_found(connection, name, version)
        return row

    def _not_found(
        self, connection: Connection, name: str, version: int | None = None
    ) -> ScenarioNotFoundError:
        numbers = (
            connection.execute(
                select(versions_table.c.version)
                .where(versions_table.c.name == name)
                .order_by(versions_table.c.version)
            )
            .scalars()
            .all()
        )
        if numbers:
            listed = ", ".join(str(number) for number in numbers)
            return ScenarioNotFoundError(
                f"Scenario {name!r} has no version {version}; "
                f"choose one of its versions: {listed}."
            )
        names = (
            connection.execute(
                select(versions_table.c.name).distinct().order_by(versions_table.c.name)
            )
            .scalars()
            .all()
        )
        known = ", ".join(repr(known_name) for known_name in names) or "none"
        return ScenarioNotFoundError(
            f"No saved scenario is named {name!r}. Saved scenarios: {known}."
        )

    @staticmethod
    def _results(connection: Connection, version_id: int) -> dict[str, Any]:
        rows = connection.execute(
            select(results_table.c.file_name, results_table.c.content)
            .where(results_table.c.version_id == version_id)
            .order_by(results_table.c.file_name)
        ).all()
        return {row.file_name: json.loads(row.content) for row in rows}

    @staticmethod
    def _result_names(
        connection: Connection, version_ids: list[int]
    ) -> dict[int, tuple[str, ...]]:
        if not version_ids:
            return {}
        rows = connection.execute(
            select(results_table.c.version_id, results_table.c.file_name)
            .where(results_table.c.version_id.in_(version_ids))
            .order_by(results_table.c.file_name)
        ).all()
        names: dict[int, tuple[str, ...]] = {}
        for row in rows:
            names[row.version_id] = names.get(row.version_id, ()) + (row.file_name,)
        return names


class _Transaction:
    """Context manager: one connection in one transaction, committed on success."""

    def __init__(self, connection: Connection):
        self.connection = connection

    def __enter__(self) -> Connection:
        self._transaction = self.connection.begin()
        return self.connection

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        try:
            if kind is None:
                self._transaction.commit()
            else:
                self._transaction.rollback()
        finally:
            self.connection.close()
