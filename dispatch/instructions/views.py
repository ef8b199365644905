from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("instructions", __name__, url_prefix="/api", description="Instructions")
