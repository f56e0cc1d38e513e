"""Streamlit pages and helpers of the planner app (see ``app.py``)."""
