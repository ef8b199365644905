def user_room(user_id: int) -> str:
    return f"user:{user_id}"


def session_room(session_id: str) -> str:
    return f"session:{session_id}"


def incident_room(incident_id: int) -> str:
    return f"incident:{incident_id}"
