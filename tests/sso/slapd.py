"""A private slapd (Debian's OpenLDAP server) on a free 127.0.0.1 port, configured and seeded in a
temp directory: `dc=example,dc=org` with people, a service account and groups.

`make install-test` installs the `slapd` package; without it the tests skip visibly (and fail
under DXGEN_REQUIRE_SERVICES=1).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import ldap3

from tests.services import unavailable
from tests.sso.process import free_port, serving

SLAPD = "/usr/sbin/slapd"
SCHEMAS = ("core", "cosine", "inetorgperson", "nis")
BASE = "dc=example,dc=org"
ROOT_DN = f"cn=admin,{BASE}"
ROOT_PASSWORD = "root-secret"
SERVICE_DN = f"cn=dxgen,ou=services,{BASE}"
SERVICE_PASSWORD = "service-secret"
PEOPLE = f"ou=people,{BASE}"
GROUPS = f"ou=groups,{BASE}"

# uid -> (password, given name, groups)
USERS = {
    "alice": ("alice-pw", "Alice", ["Editors"]),
    "bob": ("bob-pw", "Bob", ["Ghosts"]),
    "star*user": ("star-pw", "Star", []),
    "starXuser": ("starx-pw", "Starx", []),
    "dora": ("dora-pw", "Dora", []),  # her email is also a local account's
}


@dataclass(frozen=True)
class Directory:
    url: str

    def admin(self) -> ldap3.Connection:
        server = ldap3.Server(self.url, get_info=ldap3.NONE)
        return ldap3.Connection(server, ROOT_DN, ROOT_PASSWORD, auto_bind=True)

    @staticmethod
    def user_dn(uid: str) -> str:
        return f"uid={ldap3.utils.dn.escape_rdn(uid)},{PEOPLE}"

    @staticmethod
    def group_dn(name: str) -> str:
        return f"cn={name},{GROUPS}"


def _config(tmp: Path) -> Path:
    data = tmp / "data"
    data.mkdir()
    includes = "\n".join(f"include /etc/ldap/schema/{name}.schema" for name in SCHEMAS)
    conf = tmp / "slapd.conf"
    conf.write_text(
        f"""{includes}
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile {tmp / "slapd.pid"}
database mdb
maxsize 10485760
suffix "{BASE}"
rootdn "{ROOT_DN}"
rootpw {ROOT_PASSWORD}
directory {data}
access to attrs=userPassword by anonymous auth by self read by * none
access to * by * read
"""
    )
    return conf


def _seed(directory: Directory) -> None:
    conn = directory.admin()
    conn.add(BASE, ["dcObject", "organization"], {"o": "Example", "dc": "example"})
    for unit in ("people", "groups", "services"):
        conn.add(f"ou={unit},{BASE}", "organizationalUnit", {"ou": unit})
    conn.add(
        SERVICE_DN, ["person"], {"cn": "dxgen", "sn": "service", "userPassword": SERVICE_PASSWORD}
    )
    members: dict[str, list[str]] = {}
    for uid, (password, given, groups) in USERS.items():
        dn = directory.user_dn(uid)
        attributes = {
            "uid": uid,
            "cn": given,
            "sn": "Tester",
            "givenName": given,
            "mail": f"{given.lower()}@corp.example",
            "userPassword": password,
        }
        assert conn.add(dn, "inetOrgPerson", attributes), conn.result
        for group in groups:
            members.setdefault(group, []).append(dn)
    for group, dns in members.items():
        assert conn.add(directory.group_dn(group), "groupOfNames", {"cn": group, "member": dns})
    conn.unbind()


@contextmanager
def running_slapd(tmp: Path) -> Iterator[Directory]:
    if not Path(SLAPD).exists():
        unavailable("slapd", FileNotFoundError("slapd is not installed: run `make install-test`"))
    url = f"ldap://127.0.0.1:{free_port()}"
    command = [SLAPD, "-f", str(_config(tmp)), "-h", f"{url}/", "-d", "0"]
    directory = Directory(url)
    with serving(
        "slapd", command, lambda: directory.admin().unbind(), (ldap3.core.exceptions.LDAPException,)
    ):
        _seed(directory)
        yield directory
