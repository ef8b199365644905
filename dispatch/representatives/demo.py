"""Demo representatives for the demo incidents (API.md, "Demo data")."""
from __future__ import annotations


def seed(duty, incidents) -> None:
    """Called by dispatch.demo.load_demo with the duty officer and the registered incidents."""
