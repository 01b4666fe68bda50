"""Which addresses a client's probes may reach (SSRF protection).

A check is written by (or for) a client; without care, a probe would connect wherever its target
points, including the provider's own network, the machine's loopback or a cloud metadata
address. Every probe resolves its target first, checks *every* resolved address here, and then
connects to an address it checked (never to the name again, so a DNS answer cannot change
between the check and the connection).

With no policy, only global (public internet) addresses are allowed. A client's ``ProbePolicy``
may add private networks (``allowed_networks``) and may forbid public addresses.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Always refused, even if a policy lists a network containing them: cloud metadata services.
ALWAYS_REFUSED = frozenset({ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")})


class PolicyRefused(Exception):
    """The target resolves to an address the client's probe policy does not allow."""

    def __init__(self, address: str = "") -> None:
        self.address = address
        super().__init__(policy_message(address))


def policy_message(address: str = "") -> str:
    if address:
        return _("Address %(address)s not allowed by the client's probe policy.") % {"address": address}
    return _("Address not allowed by the client's probe policy.")


def parse_networks(text: str) -> list[IPNetwork]:
    """CIDR lines (blank lines and ``#`` comments ignored); raises ValueError naming the bad line."""
    networks: list[IPNetwork] = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        networks.append(ipaddress.ip_network(line, strict=False))
    return networks


def _unwrap(address: IPAddress) -> IPAddress:
    """The IPv4 address hidden in an IPv4-mapped, 6to4 or NAT64-like IPv6 address, if any."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.sixtofour is not None:
            return address.sixtofour
        if address.teredo is not None:
            return address.teredo[1]
        # IPv4-compatible (deprecated ::a.b.c.d) and the NAT64 well-known prefix 64:ff9b::/96.
        packed = address.packed
        if packed[:12] == bytes(12) and int(address) > 1:
            return ipaddress.IPv4Address(packed[12:])
        if address in ipaddress.ip_network("64:ff9b::/96"):
            return ipaddress.IPv4Address(packed[12:])
    return address


@dataclass(frozen=True)
class AddressPolicy:
    allowed_networks: tuple[IPNetwork, ...] = field(default_factory=tuple)
    allow_public: bool = True

    @classmethod
    def from_text(cls, networks: str, allow_public: bool) -> AddressPolicy:
        try:
            parsed = tuple(parse_networks(networks))
        except ValueError:
            parsed = ()
        return cls(parsed, allow_public)

    def allows(self, address: str | IPAddress) -> bool:
        try:
            ip = ipaddress.ip_address(address.split("%", 1)[0] if isinstance(address, str) else address)
        except ValueError:
            return False
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            return self._allows_one(ip.ipv4_mapped)  # the connection goes to this IPv4 address
        candidates = {ip, _unwrap(ip)}
        return all(self._allows_one(candidate) for candidate in candidates)

    def _allows_one(self, ip: IPAddress) -> bool:
        if ip in ALWAYS_REFUSED or ip.is_unspecified:
            return False
        if any(ip.version == network.version and ip in network for network in self.allowed_networks):
            return True
        return self.allow_public and ip.is_global and not ip.is_multicast

    def check_all(self, addresses: Iterable[str]) -> list[str]:
        """The addresses, if every one is allowed; raises PolicyRefused on the first that is not."""
        checked = []
        for address in addresses:
            if not self.allows(address):
                raise PolicyRefused(address)
            checked.append(address)
        return checked


DEFAULT_POLICY = AddressPolicy()
UNRESTRICTED = AddressPolicy((ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0")), True)


def _literal(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


async def resolve_checked(host: str, port: int, policy: AddressPolicy) -> list[str]:
    """Resolve ``host`` and return its addresses if all of them are allowed (PolicyRefused otherwise).

    Every address is checked, not only the first: a name answering with one public and one
    private address is refused, so that no later connection attempt can land on the private one.
    """
    literal = _literal(host)
    if literal is not None:
        return policy.check_all([literal])
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[str] = []
    for info in infos:
        address = str(info[4][0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise OSError(_("The name %(host)s has no address.") % {"host": host})
    return policy.check_all(addresses)
