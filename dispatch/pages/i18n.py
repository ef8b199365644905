"""Simplified Chinese and English: the user's choice, else the browser's language."""
from __future__ import annotations

from flask import Flask, current_app, request
from flask_babel import Babel


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = request.args.get("lang") or request.cookies.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "../translations")
    Babel(app, locale_selector=select_locale, timezone_selector=lambda: current_app.config["DISPATCH_TIMEZONE"])
