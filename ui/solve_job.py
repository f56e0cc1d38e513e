"""A solve running in a background thread, with progress the page can poll."""

from __future__ import annotations

import logging
import threading
import time
import traceback
from dataclasses import dataclass
from typing import Any

import pandas as pd

from planner.model import Scenario
from planner.problems import Problem, ScenarioError

LOG = logging.getLogger(__name__)


@dataclass
class JobOutput:
    """Output of a finished job: a solve result and its projection, or an error."""

    result: Any = None
    projection: Any = None
    projection_error: str | None = None
    error: str | None = None
    problems: list[Problem] | None = None


class SolveJob:
    """Run ``solver.solve`` and ``planner.projection.project`` off the script thread.

    The page thread reads ``snapshot()`` and ``output``; the worker thread writes
    them under a lock. ``cancel()`` sets the solver's stop event, after which the
    solver returns the best roster found so far.
    """

    def __init__(
        self,
        scenario: Scenario,
        requirements: pd.DataFrame,
        time_limit: float,
        seed: int,
        workers: int | None,
        revision: int,
    ):
        self.scenario = scenario
        self.requirements = requirements
        self.time_limit = time_limit
        self.seed = seed
        self.workers = workers
        self.revision = revision
        self.stop_event = threading.Event()
        self.started = time.monotonic()
        self._lock = threading.Lock()
        self._progress: dict[str, Any] = {}
        self._phase = "starting"
        self._output: JobOutput | None = None
        self._thread = threading.Thread(target=self._work, name="solve", daemon=True)

    def start(self) -> SolveJob:
        self._thread.start()
        return self

    def cancel(self) -> None:
        self.stop_event.set()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    @property
    def output(self) -> JobOutput | None:
        with self._lock:
            return self._output

    def snapshot(self) -> dict[str, Any]:
        """Return the latest progress figures plus the phase and elapsed seconds."""
        with self._lock:
            figures = dict(self._progress)
            figures["phase"] = self._phase
        figures["elapsed"] = time.monotonic() - self.started
        return figures

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the worker to finish; return True when it has."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _report(self, figures: dict[str, Any]) -> None:
        with self._lock:
            self._progress = dict(figures)

    def _set_phase(self, phase: str) -> None:
        with self._lock:
            self._phase = phase

    def _work(self) -> None:
        output = JobOutput()
        try:
            output.result = self._solve()
            self._set_phase("projecting")
            self._project(output)
        except ScenarioError as error:
            output.problems = error.problems
        except Exception as error:  # noqa: BLE001 - reported on the page
            LOG.error("solve failed:\n%s", traceback.format_exc())
            output.error = f"{error.__class__.__name__}: {error}"
        with self._lock:
            self._output = output
            self._phase = "finished"

    def _solve(self) -> Any:
        from solver import solve

        self._set_phase("solving")
        return solve(
            self.scenario,
            self.requirements,
            time_limit=self.time_limit,
            seed=self.seed,
            workers=self.workers,
            progress=self._report,
            stop_event=self.stop_event,
        )

    def _project(self, output: JobOutput) -> None:
        try:
            from planner.projection import project

            output.projection = project(
                self.scenario,
                output.result.shifts,
                requirements=self.requirements,
                allocation=output.result.allocation,
            )
        except Exception as error:  # noqa: BLE001 - the roster is still usable
            LOG.error("projection failed:\n%s", traceback.format_exc())
            output.projection_error = f"{error.__class__.__name__}: {error}"
