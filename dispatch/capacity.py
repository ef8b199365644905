"""How many live screens one server process can hold: the connection setting, within the open-file limit.

Every open board holds one connection, and so one file descriptor, for as long
as it is open. The server serves at most `MAX_CONNECTIONS` at once (the green
threads' pool); beyond the open-file limit it could not even accept them.
"""
from __future__ import annotations

import resource

# descriptors kept for what is not a screen: requests in flight, the database pool, Redis, logs, attachments
FD_HEADROOM = 256
FEWEST = 16  # however low the open-file limit, a server still takes a few connections


def raise_open_file_limit(max_connections: int) -> int:
    """Raise this process's soft open-file limit toward its hard limit, as far as the screens need;
    returns the soft limit in force after."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = max_connections + FD_HEADROOM
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):  # a container may forbid it: the capacity says what is left
            pass
    return soft


def open_file_limit() -> int | None:
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return None if soft == resource.RLIM_INFINITY else soft


def screen_capacity(max_connections: int) -> int:
    """The live screens this process can hold: the setting, or what the open-file limit leaves for them."""
    soft = open_file_limit()
    if soft is None:
        return max_connections
    return max(min(FEWEST, max_connections), min(max_connections, soft - FD_HEADROOM))


def capacity_line(max_connections: int) -> str:
    """What the server says at start."""
    capacity, soft = screen_capacity(max_connections), open_file_limit()
    line = f"  Live screens: up to {capacity} at once on this process"
    if capacity < max_connections:
        return (line + f" (the open-file limit {soft} allows no more; DISPATCH_MAX_CONNECTIONS is {max_connections}:"
                " raise the hard limit, e.g. LimitNOFILE= or ulimit -Hn)")
    return line + f" (DISPATCH_MAX_CONNECTIONS={max_connections}; open-file limit {soft or 'unlimited'})"
