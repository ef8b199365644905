"""Rooms (per user, per login session, per incident) and ending a room's sockets on every process.

Signing out must close the user's sockets wherever they are connected. Each
process knows only its own sockets, so the request to end a room travels like
any emit: through the Socket.IO message queue to every process, and each one
disconnects the sockets it holds. The client managers below intercept that one
emit (`SIGN_OUT`) instead of sending it to the browsers.
"""
from __future__ import annotations

import socketio

SIGN_OUT = "dispatch:sign-out"  # never reaches a browser: the managers act on it
SIGNED_OUT = "signed_out"  # what the browser is told before its socket closes


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


def session_room(session_id: str) -> str:
    return f"session:{session_id}"


def incident_room(incident_id: int) -> str:
    return f"incident:{incident_id}"


class _SignsOutHere:
    def sign_out_here(self, room: str | None, namespace: str | None) -> None:
        namespace = namespace or "/"
        sids = [sid for sid, _ in self.get_participants(namespace, room)] if room else []
        for sid in sids:
            self.server.emit(SIGNED_OUT, {}, to=sid, namespace=namespace, ignore_queue=True)
            self.server.disconnect(sid, namespace=namespace, ignore_queue=True)


class SingleProcessManager(_SignsOutHere, socketio.Manager):
    """One process: ending a room is local."""

    def emit(self, event, data, namespace=None, room=None, skip_sid=None, callback=None, to=None, **kwargs):
        if event == SIGN_OUT:
            return self.sign_out_here(to or room, namespace)
        return super().emit(event, data, namespace, room=to or room, skip_sid=skip_sid,
                            callback=callback, **kwargs)


class _SignsOutEverywhere(_SignsOutHere):
    # A pub/sub manager hands every emit, this host's and the others', to
    # `_handle_emit`: the one place to act on the sign-out on each process.
    def _handle_emit(self, message):
        if message.get("event") == SIGN_OUT:
            return self.sign_out_here(message.get("room"), message.get("namespace"))
        return super()._handle_emit(message)


class RedisManager(_SignsOutEverywhere, socketio.RedisManager):
    pass


class KombuManager(_SignsOutEverywhere, socketio.KombuManager):
    pass


def client_manager(message_queue: str | None, channel: str) -> socketio.Manager:
    if not message_queue:
        return SingleProcessManager()
    if message_queue.startswith(("redis://", "rediss://")):
        return RedisManager(message_queue, channel=channel)
    return KombuManager(message_queue, channel=channel)
