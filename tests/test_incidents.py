"""The incident registry through the API."""
from __future__ import annotations

import pytest

from .support import incident_payload


def register(duty, **overrides):
    response = duty.post("/api/incidents", json=incident_payload(**overrides))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_duty_registers_an_incident_with_a_reference_and_reported_status(duty):
    incident = register(duty)
    assert incident["ref"].startswith("INC-2026-") and len(incident["ref"].split("-")[2]) >= 4
    assert incident["status"] == "reported"
    assert incident["version"] == 1
    assert incident["peak_headcount"] == 300
    assert incident["representatives"] == [] and incident["tasks"] == [] and incident["instructions"] == []


def test_references_run_without_gaps_within_a_year(duty):
    refs = [register(duty)["ref"] for _ in range(3)]
    numbers = [int(ref.rsplit("-", 1)[1]) for ref in refs]
    assert numbers == [numbers[0], numbers[0] + 1, numbers[0] + 2]
