"""Roster solver: CP-SAT model, solving and explanations of staffing gaps."""

from solver.allocation import allocate
from solver.result import SolveResult
from solver.run import check_capacity, solve

__all__ = ["SolveResult", "allocate", "check_capacity", "solve"]
