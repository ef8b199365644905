"""The language of the demo's texts: data written in it, not words translated for a page."""
from __future__ import annotations

from typing import TypeVar

from flask import current_app

T = TypeVar("T")


def in_demo_language(texts: dict[str, T]) -> T:
    """`texts[lang]` for DISPATCH_DEMO_LANGUAGE (zh, the default, or en)."""
    return texts[current_app.config["DISPATCH_DEMO_LANGUAGE"]]
