"""Networks as the fraud signals see them, without keeping addresses.

Many accounts or votes from one network in a short time is a sign of stuffing; the
signals need to group requests by network, not to know the network. So a request's
network (an IPv4 /24, an IPv6 /48: what one household, office or small provider holds) is
stored as a keyed digest: equal networks give equal digests, and the digest cannot be
turned back into an address without the organisation's secret key.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

#: Prefix lengths grouped as one network.
IPV4_PREFIX = 24
IPV6_PREFIX = 48


def network_of(address: str) -> str | None:
    """The network ``address`` belongs to, as ``"192.0.2.0/24"``; ``None`` when
    ``address`` is not an IP address (a test client, a Unix socket)."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return None
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            parsed = parsed.ipv4_mapped
        else:
            return str(ipaddress.ip_network(f"{parsed}/{IPV6_PREFIX}", strict=False))
    return str(ipaddress.ip_network(f"{parsed}/{IPV4_PREFIX}", strict=False))


def network_digest(address: str, secret_key: str) -> str | None:
    """The stored form of ``address``'s network: 32 hex digits of an HMAC-SHA256 keyed
    by ``secret_key``; ``None`` when ``address`` is not an IP address."""
    network = network_of(address)
    if network is None:
        return None
    digest = hmac.new(secret_key.encode(), network.encode(), hashlib.sha256)
    return digest.hexdigest()[:32]
