from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("representatives", __name__, url_prefix="/api", description="Representatives")
