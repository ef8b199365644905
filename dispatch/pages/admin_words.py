"""The words the administrator's page and the password form show (added to the scripts' catalogue)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

ADMIN_STRINGS = {
    "password_mismatch": _l("The two new passwords differ: type the same one twice."),
    "password_missing": _l("Fill in every field."),
}
