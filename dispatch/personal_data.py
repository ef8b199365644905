"""Personal data: the one place that validates, encrypts, hashes and masks it.

A petitioner's resident identity number and phone are kept only encrypted
(AES-GCM), with a keyed hash (HMAC-SHA256) of the identity number beside them
so the same person is found without decrypting anything, and a masked form
computed at write time so that reading never decrypts. Both keys are derived
(HKDF) from the one configured secret `PERSONAL_DATA_KEY`, so the lookup hash
and the ciphertext never share a key. Everything shown to anyone goes through
`mask_id_number` / `mask_phone`; only a deliberate reveal calls `decrypt`.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import phonenumbers
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from flask_babel import gettext as _
from stdnum import exceptions as stdnum_errors
from stdnum import numdb
from stdnum.cn import ric

# The format tag leads every ciphertext, so a later key or algorithm can sit beside this one.
CIPHER_TAG = "v1"
NONCE_BYTES = 12
PHONE_REGION = "CN"
# Longer input is not an identity number or a phone, whatever it says; refuse before parsing.
MAX_RAW_LENGTH = 40


class InvalidPersonalData(ValueError):
    """The value is not a valid identity number or phone; the message says why, never the value."""


@dataclass(frozen=True)
class Sealed:
    """A value as it is stored: ciphertext, what may be shown, and (identity numbers) the lookup hash."""

    encrypted: str
    masked: str
    lookup_hash: str | None = None


# --- validation -----------------------------------------------------------

def _known_province(code: str) -> bool:
    """A province, autonomous region or municipality of any year (python-stdnum's table).

    Only the province is checked: a county code is given when the card is issued and
    kept for life, so a genuine number may carry a code retired since (崇文区 110103) or
    one newer than its holder (浦东新区 310115 for everyone born before 1992).
    """
    return any(part == code and props.get("province") for part, props in numdb.get("cn/loc").info(code))


def normalize_id_number(raw: str) -> str:
    """The 18-character resident identity number (GB 11643), or InvalidPersonalData naming the fault."""
    if not isinstance(raw, str) or len(raw) > MAX_RAW_LENGTH:
        raise InvalidPersonalData(_("Not a resident identity number: enter the 18 characters on the card."))
    number = ric.compact(raw)
    if len(number) != 18 or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise InvalidPersonalData(_("A resident identity number has 17 digits and a check digit (0-9 or X): "
                                    "check the number on the card."))
    if number[17] != ric.calc_check_digit(number):
        raise InvalidPersonalData(_("The check digit (the last character) does not match: a digit was probably "
                                    "mistyped; check the number on the card."))
    try:
        born = ric.get_birth_date(number)
    except stdnum_errors.ValidationError:
        raise InvalidPersonalData(_("The date of birth (digits 7 to 14) is not a real date: check the number on "
                                    "the card.")) from None
    if not date(1900, 1, 1) <= born <= date.today():
        raise InvalidPersonalData(_("The date of birth (digits 7 to 14) is not a real date: check the number on "
                                    "the card."))
    if not _known_province(number[:2]):
        raise InvalidPersonalData(_("The region code (the first two digits) is not a province of China: check the "
                                    "number on the card."))
    return number


def normalize_phone(raw: str) -> str:
    """A valid phone number: mainland numbers as dialled at home (13812345678), others as +E.164."""
    if not isinstance(raw, str) or len(raw) > MAX_RAW_LENGTH:
        raise InvalidPersonalData(_("Not a phone number: enter digits, e.g. 13812345678."))
    try:
        parsed = phonenumbers.parse(raw, PHONE_REGION)
    except phonenumbers.NumberParseException:
        raise InvalidPersonalData(_("Not a phone number: enter digits, e.g. 13812345678.")) from None
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPersonalData(_("Not a valid phone number: a mobile has 11 digits (13812345678); a landline "
                                    "starts with its area code (057112345678)."))
    if parsed.country_code == 86:
        national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
        return "".join(ch for ch in national if ch.isdigit())
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


# --- masking: the only forms anyone but a reveal ever sees ----------------

def _mask(value: str, keep_start: int, keep_end: int) -> str:
    # Idempotent: masking a masked form gives the same form, so output schemas
    # can mask whatever they are handed without knowing where it came from.
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]


def mask_id_number(value: str | None) -> str | None:
    """`3101**********1234`: region prefix and last four, enough to tell people apart on a screen."""
    return None if value is None else _mask(value, 4, 4)


def mask_phone(value: str | None) -> str | None:
    """`138****5678`."""
    return None if value is None else _mask(value, 3, 4)


# Free text (a file's name, a note) that happens to hold a number: identity numbers of 18 or 15 digits and
# mainland mobile numbers, wherever they stand, digits on either side excepted.
_ID_IN_TEXT = re.compile(r"(?<![0-9])(?:[0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9Xx])")
_PHONE_IN_TEXT = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


def mask_in_text(text: str) -> str:
    """The text with every identity number and mobile number in it masked, the rest as it was."""
    text = _ID_IN_TEXT.sub(lambda m: mask_id_number(m.group()), text)
    return _PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group()), text)


# --- keys, encryption, keyed hash ----------------------------------------

@lru_cache(maxsize=4)
def _derived_keys(secret: str) -> tuple[bytes, bytes]:
    if len(secret) < 16:
        raise RuntimeError("PERSONAL_DATA_KEY is too short; use at least 32 random characters.")

    def derive(purpose: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(secret.encode())

    return derive(b"dispatch personal data: encryption"), derive(b"dispatch personal data: lookup hash")


def _keys() -> tuple[bytes, bytes]:
    return _derived_keys(current_app.config["PERSONAL_DATA_KEY"])


def encrypt(value: str, *, field: str) -> str:
    """AES-GCM with a fresh nonce; the field name is bound in, so ciphertexts cannot swap columns."""
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(_keys()[0]).encrypt(nonce, value.encode(), field.encode())
    return f"{CIPHER_TAG}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def decrypt(token: str, *, field: str) -> str:
    tag, _, body = token.partition(":")
    if tag != CIPHER_TAG:
        raise ValueError("Unknown personal data cipher format.")
    raw = base64.urlsafe_b64decode(body)
    try:
        return AESGCM(_keys()[0]).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], field.encode()).decode()
    except InvalidTag:
        raise ValueError("Personal data does not decrypt with the configured key.") from None


def lookup_hash(id_number: str) -> str:
    """HMAC-SHA256 of the normalized number: equal numbers, equal hashes; useless without the key."""
    return hmac.new(_keys()[1], normalize_id_number(id_number).encode(), hashlib.sha256).hexdigest()


def seal_id_number(raw: str) -> Sealed:
    number = normalize_id_number(raw)
    return Sealed(encrypt(number, field="id_number"), mask_id_number(number), lookup_hash(number))


def seal_phone(raw: str) -> Sealed:
    number = normalize_phone(raw)
    return Sealed(encrypt(number, field="phone"), mask_phone(number))


def seal_text(value: str, *, field: str) -> str:
    """Free personal text (an address): encrypted, never shown masked or in full outside a reveal."""
    return encrypt(value, field=field)
