"""The HTML pages; every change they make goes through the same JSON API."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for

from ..auth.current import actor

pages = Blueprint("pages", __name__)


@pages.route("/")
def index():
    if actor() is None:
        return redirect(url_for("pages.login"))
    return render_template("incidents.html", user=actor())


@pages.route("/login")
def login():
    return render_template("login.html")
