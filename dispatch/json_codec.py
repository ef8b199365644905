"""JSON on the log's hot paths (reading events back, the frames pushed to every screen): orjson, several
times faster than the standard library, which stays the fallback for what orjson refuses (a lone
surrogate or an integer past 64 bits a client once sent must never make an event unreadable)."""
from __future__ import annotations

import json
from typing import Any

import orjson


def loads(text: str | bytes) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def dumps(value: Any, **_options: Any) -> str:
    """Compact, UTF-8 (Chinese is not escaped: a third of the bytes); options are ignored (Socket.IO asks
    for compact separators, which orjson always uses)."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
