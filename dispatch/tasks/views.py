from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("tasks", __name__, url_prefix="/api", description="Tasks")
