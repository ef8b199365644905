"""A report as its printable page and as an A4 PDF (WeasyPrint), from the one template.

The content is frozen data; the page names its codes in the reader's language.
Every text in it is hostile: Jinja escapes it, and WeasyPrint fetches nothing but
this site's own stylesheet (`pdf_child.own_static_fetcher`), never a URL a text could name.
Rendering a PDF is CPU work: it runs in a child process waited for on a real
thread (`run_off_loop`), two at a time, so the event loop keeps pushing live
events meanwhile; it counts as one of the asker's heavy jobs (at most a few wait)
and a child that runs past REPORT_RENDER_SECONDS is stopped. A word too long for
a line is given break points before layout: laying out one unbroken word of
thousands of characters took the renderer seconds per thousand.
"""
from __future__ import annotations

import hashlib
import logging
import re
import subprocess
import sys
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from flask import current_app, render_template
from flask_babel import gettext as _

from ..errors import DispatchError
from ..labels import label, locale_code
from ..offload import heavy_job, run_off_loop

CHILD = Path(__file__).resolve().with_name("pdf_child.py")
_pdf_slots = threading.BoundedSemaphore(2)
log = logging.getLogger("dispatch.reports")
# A run of more than LONG_WORD characters with no space gets a zero-width space every BREAK_EVERY characters.
LONG_WORD, BREAK_EVERY = 40, 20
_long_word = re.compile(r"\S{%d,}" % (LONG_WORD + 1))


class PdfUnavailable(DispatchError):
    """The PDF could not be built (WeasyPrint or Debian's pango missing, or the child failed): the printable
    page still works."""

    status, code = 503, "pdf_unavailable"


def _when(value: str | None) -> str:
    """A shown time (ISO in the configured zone) as a form writes it: 2026-12-03 17:04."""
    return value[:16].replace("T", " ") if value else ""


def _name(person: dict | None) -> str:
    if not person:
        return ""
    return person.get("name_zh") if locale_code() == "zh" and person.get("name_zh") else person.get("name", "")


def _size(size: int) -> str:
    return f"{size} B" if size < 1024 else f"{size / 1024:.1f} KB" if size < 1024 * 1024 else f"{size / 1048576:.1f} MB"


def breakable(value: Any) -> Any:
    """`value` (texts, lists and dicts of them) with break points in every word too long for a line."""
    if isinstance(value, str):
        return _long_word.sub(lambda word: "\u200b".join(
            word[0][at:at + BREAK_EVERY] for at in range(0, len(word[0]), BREAK_EVERY)), value)
    if isinstance(value, dict):
        return {key: breakable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [breakable(item) for item in value]
    return value


def page_html(report: Any, *, for_pdf: bool = False) -> str:
    return render_template("report.html", report=report, content=breakable(report.content), for_pdf=for_pdf,
                           when=_when, person_name=_name, label=label, size=_size)


class RenderTooLong(PdfUnavailable):
    """The child ran past the time limit and was stopped."""


def _in_child(html: str, static_folder: str, seconds: float) -> tuple[bytes | None, list[str]]:
    """(the PDF, the refused addresses), or (None, the child's last words) when it failed; stopped (killed) after
    `seconds`."""
    try:
        done = subprocess.run([sys.executable, "-I", str(CHILD), static_folder], input=html.encode("utf-8"),
                              capture_output=True, timeout=seconds, check=False)
    except subprocess.TimeoutExpired:
        return None, None
    except OSError as error:
        return None, [repr(error)]
    said = done.stderr.decode(errors="replace").splitlines()
    if done.returncode != 0 or not done.stdout.startswith(b"%PDF"):
        return None, said[-20:]
    return done.stdout, said


# A published report never changes: its PDF in each language is kept for the next reader (a few, the latest
# asked for), found by the page it was built from (so a restored database or a new template never gets an old one).
_built: OrderedDict[str, bytes] = OrderedDict()
KEPT_PDFS = 24


def pdf_bytes(report: Any, *, owner: int) -> bytes:
    """The report as PDF in the request's language: built in a child process, waited for on a real thread
    (`run_off_loop`), two at a time, as one of `owner`'s heavy jobs; the event loop goes on meanwhile. A build
    that runs past REPORT_RENDER_SECONDS is stopped and answered 503, pointing to the printable page."""
    return pdf_from_html(page_html(report, for_pdf=True), what=f"report {report.id}", page_url=f"/reports/{report.id}",
                         owner=owner)


def pdf_from_html(html: str, *, what: str, page_url: str, owner: int) -> bytes:
    """A printable page (a report, a review) as PDF, built in the child as one of `owner`'s heavy jobs; kept by
    its page's hash."""
    key = hashlib.sha256(html.encode("utf-8")).hexdigest()
    if key in _built:
        _built.move_to_end(key)
        return _built[key]
    seconds = current_app.config["REPORT_RENDER_SECONDS"]
    with heavy_job(owner), _pdf_slots:
        body, refused = run_off_loop(_in_child, html, current_app.static_folder, seconds)
    if refused is None:
        log.warning("%s: the PDF took longer than %s s and was stopped", what, seconds)
        raise RenderTooLong(_("The PDF took longer than {n} seconds to build and was stopped: open the printable "
                              "page and print it from the browser.").format(n=f"{seconds:g}"),
                            page_url=page_url)
    if body is None:
        log.error("%s: the PDF could not be built: %s", what, " | ".join(refused))
        raise PdfUnavailable(_("The PDF could not be made just now: open the printable page and print it, or try "
                               "again in a minute."), page_url=page_url)
    if refused:
        log.warning("%s: the PDF fetched nothing from %d address(es) its content named", what, len(refused))
    _built[key] = body
    while len(_built) > KEPT_PDFS:
        _built.popitem(last=False)
    return body
