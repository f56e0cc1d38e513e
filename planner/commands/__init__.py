"""Subcommands of the ``planner`` command line, one module each."""

EXIT_NO_ROSTER = 1
"""No roster was found within the time limit."""
EXIT_INVALID = 2
"""Invalid input: every problem is listed."""
EXIT_BELOW_FLOOR = 3
"""A roster was written but some interval is below a floor."""
