"""Who is asking: the client's address as the app sees it behind its proxies, and the
network whose allowance a request uses for the rate limits."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's IP address, for the rate limit.

    REMOTE_ADDR, unless TRUSTED_PROXY_COUNT says that many proxies stand in front of the
    app: then the address the outermost of them saw, read from the right-hand end of
    X-Forwarded-For (each proxy appends what it saw, so a client cannot forge it).
    """
    candidates = []
    hops = settings.TRUSTED_PROXY_COUNT
    if hops:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        forwarded = [part.strip() for part in forwarded if part.strip()]
        if len(forwarded) >= hops:
            candidates.append(forwarded[-hops])
    candidates.append(request.META.get("REMOTE_ADDR", ""))
    for candidate in candidates:
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return "0.0.0.0"  # no usable address: such requests share one allowance


def client_network(request: HttpRequest) -> str:
    """Whose allowance a request uses: its IPv4 address, or its IPv6 address's /64, the
    block one home or server is usually given whole and could otherwise walk through."""
    return network_of(client_ip(request))


def network_of(ip: str) -> str:
    """The allowance an address uses (see client_network)."""
    address = ipaddress.ip_address(ip)
    if address.version == 6:
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((int(address), 64), strict=False))
    return str(address)


def lockout_address(request: HttpRequest) -> str:
    """The address the sign-in lockout counts: the client's IPv4 address, or the first
    address of its IPv6 /64, so that a whole /64 shares one count as with the other limits."""
    address = ipaddress.ip_address(client_ip(request))
    if address.version == 6 and not address.ipv4_mapped:
        return str(ipaddress.IPv6Network((int(address), 64), strict=False).network_address)
    return str(address.ipv4_mapped or address) if address.version == 6 else str(address)
