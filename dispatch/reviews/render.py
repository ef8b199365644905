"""A review as its printable page and as an A4 PDF, through the reports' PDF child process."""
from __future__ import annotations

from typing import Any

from flask import render_template

from ..labels import label
from ..reports.render import pdf_from_html
from ..reports.render import _when as when
from .models import KEY_TIMES


def page_html(view: dict[str, Any], *, for_pdf: bool = False) -> str:
    return render_template("review.html", view=view, review=view["review"], key_names=KEY_TIMES, for_pdf=for_pdf,
                           when=when, label=label)


def pdf_bytes(view: dict[str, Any], *, owner: int) -> bytes:
    incident_id = view["incident"]["id"]
    return pdf_from_html(page_html(view, for_pdf=True), what=f"review of incident {incident_id}",
                         page_url=f"/incidents/{incident_id}/review", owner=owner)
