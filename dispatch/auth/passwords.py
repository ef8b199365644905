"""What a password must be, and the temporary ones the administrator hands out.

The policy refuses the weakest only (NIST SP 800-63B's advice): long enough, not
the username, not one of the passwords every guessing list starts with. No rules
about digits or symbols, which only make people write them down.
"""
from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from flask_babel import gettext as _

from ..errors import Invalid

MIN_LENGTH = 10
MAX_LENGTH = 200
# Letters and digits that cannot be misread when read out or copied from a screen.
_TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
TEMPORARY_LENGTH = 14


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The bundled list: the most used passwords, and the ones a county office guesses first."""
    text = (Path(__file__).with_name("common_passwords.txt")).read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def problem(password: str, username: str | None) -> str | None:
    """Why this password is refused, in the user's language; None when it will do."""
    if len(password) < MIN_LENGTH:
        return _("Too short: at least {n} characters (a few words make a good one).").format(n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("Too long: at most {n} characters.").format(n=MAX_LENGTH)
    lowered = password.lower()
    if username and username.lower() in lowered:
        return _("Must not contain the username.")
    if lowered in common_passwords() or len(set(lowered)) < 3:
        return _("Too easy to guess: it is one of the most common passwords. Choose another.")
    return None


def require_acceptable(password: str, username: str | None, field: str) -> None:
    """422 naming the field when the policy refuses the password."""
    reason = problem(password, username)
    if reason is not None:
        raise Invalid(_("Choose a stronger password."), fields={field: [reason]})


def temporary() -> str:
    """A random temporary password, shown once, to be changed at the first sign-in."""
    return "".join(secrets.choice(_TEMPORARY_ALPHABET) for _ in range(TEMPORARY_LENGTH))
