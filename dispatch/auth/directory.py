"""The county's directory (LDAP): a sign-in's password checked by a bind as the user, nothing else read or written.

Off unless DISPATCH_LDAP_URL is set. The username is the one kept here (the
directory never makes an account), put into DISPATCH_LDAP_USER_DN as one
escaped RDN value, so a username can never widen the DN it binds as.
"""
from __future__ import annotations

from dataclasses import dataclass

from ldap3 import SIMPLE, Connection, Server
from ldap3.core.exceptions import LDAPBindError, LDAPException, LDAPSocketOpenError
from ldap3.utils.dn import escape_rdn


class DirectoryDown(Exception):
    """The directory did not answer (down, unreachable, or too slow)."""


@dataclass(frozen=True)
class Directory:
    url: str
    user_dn: str  # e.g. uid={username},ou=people,dc=county,dc=gov
    timeout: float = 5.0

    def dn_of(self, username: str) -> str:
        return self.user_dn.replace("{username}", escape_rdn(username))

    def password_matches(self, username: str, password: str) -> bool:
        """A simple bind as the user: True when the directory accepts the password, False when it refuses it;
        DirectoryDown when it cannot be asked. An empty password is never sent (it would be an anonymous bind)."""
        if not password:
            return False
        server = Server(self.url, connect_timeout=self.timeout, get_info=None)
        connection = Connection(server, user=self.dn_of(username), password=password, authentication=SIMPLE,
                                receive_timeout=max(1, int(self.timeout)), raise_exceptions=False, auto_referrals=False)
        try:
            accepted = connection.bind()
        except LDAPBindError:
            return False
        except (LDAPSocketOpenError, LDAPException, OSError) as fault:
            raise DirectoryDown(str(fault)) from None
        finally:
            connection.unbind()
        if not accepted and connection.result and connection.result.get("result") not in (49, 32, 50, 53):
            # anything but "invalid credentials / no such object / not allowed" means the directory is not well
            raise DirectoryDown(connection.result.get("description", ""))
        return bool(accepted)
