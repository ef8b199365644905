"""What the county's identity services (OpenID Connect, CAS) can answer, besides a username."""
from __future__ import annotations


class ProviderDown(Exception):
    """The identity service did not answer (down, unreachable, too slow, or failing on its side)."""


class IdentityRefused(Exception):
    """The answer cannot be trusted or names no one: a state or ticket that does not match, a token that fails
    its checks, the provider's own refusal. The reason is for the log, never shown with any secret."""
