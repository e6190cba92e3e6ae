"""Who is asking, and whether they may: API keys, the client's address behind trusted proxies, and the
routes that need a key.

A client is its key's name when it sends a valid key, else its address. The address is the peer's or,
when the peer is one of TRUSTED_PROXIES, the right-most address of X-Forwarded-For that is not a trusted
proxy: each proxy appends the address it saw, so what stands left of that entry was written by the
sender, who may have made it up, and what stands right of it by proxies the operator trusts.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from aiohttp import web

from service.errors import Forbidden, Unauthenticated
from service.settings import ApiKey, Network

# Methods that read; every other method on a known route changes what the service believes (fail closed:
# a new write route needs a key without being listed anywhere).
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# A write open to anyone unless VERIFY_REQUIRES_KEY: verifying is what the service is for.
VERIFY_ROUTE = "/verify"
NO_KEYS_CONFIGURED = (
    "this route needs an API key and the server has none, so only clients on its own machine may use it: "
    "set API_KEYS on the server (comma-separated, each optionally named name=key) and send "
    "'Authorization: Bearer KEY'"
)

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# Peers whose parsed address is kept: parsing one per request was about 4% of the event loop's CPU under load.
# A peer is an IP literal of the socket (never a header), so these take a few hundred KB at most.
PEERS_KEPT = 1024


@dataclass(frozen=True)
class Client:
    """Who sent a request: the name of the valid key it sent, if any, and the address it came from."""

    address: str
    key_name: str | None = None

    @property
    def identity(self) -> str:
        """What limits count by: the key's name, else the address (marked, so that the two never meet)."""
        return self.address if self.key_name is None else f"key:{self.key_name}"

    def __str__(self) -> str:
        return self.address if self.key_name is None else f"key {self.key_name} at {self.address}"


class Access:
    """Identifies clients and says which requests need a key; built once from the settings."""

    def __init__(self, keys: Sequence[ApiKey], trusted_proxies: Sequence[Network], verify_requires_key: bool) -> None:
        # Keys are compared by their sha256: equal lengths, so the time a comparison takes tells nothing of a
        # key's length either, and the secrets themselves are not kept here.
        self._digests = [(key.name, _digest(key.secret)) for key in keys]
        self._trusted = tuple(trusted_proxies)
        self.verify_requires_key = verify_requires_key
        self._parse_peer = functools.lru_cache(maxsize=PEERS_KEPT)(parse_ip)

    def identify(self, request: web.Request) -> Client:
        address = self.client_address(request.remote, request.headers.getall("X-Forwarded-For", []))
        return Client(address, self.key_name(request.headers.get("Authorization")))

    def key_name(self, authorization: str | None) -> str | None:
        """The name of the key in ``Authorization: Bearer KEY``, or None; compared with every key in constant time."""
        scheme, _, token = (authorization or "").strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        given = _digest(token.strip())
        found = None
        for name, digest in self._digests:  # no early exit: the time taken does not say which key matched
            if hmac.compare_digest(given, digest):
                found = name
        return found

    def client_address(self, peer: str | None, forwarded_for: Sequence[str]) -> str:
        """The peer's address, or the right-most untrusted one of X-Forwarded-For when the peer is a trusted proxy."""
        address = self._parse_peer(peer)
        if address is None:
            return peer or "unknown"
        if not self._is_trusted(address):
            return str(address)
        hops = [hop for header in forwarded_for for hop in header.split(",")]
        for hop in reversed(hops):
            parsed = parse_ip(hop)
            if parsed is None:  # not an address: keep the last one a trusted proxy vouched for
                break
            address = parsed
            if not self._is_trusted(parsed):
                break
        return str(address)

    def needs_key(self, request: web.Request) -> bool:
        """Whether the route writes: anything but a read, and /verify only with VERIFY_REQUIRES_KEY.

        A request that matched no route is left to its 404 or 405.
        """
        if request.match_info.http_exception is not None or request.method in READ_METHODS:
            return False
        return self.verify_requires_key if route_path(request) == VERIFY_ROUTE else True

    def authorize(self, request: web.Request, client: Client) -> None:
        """Return when ``client`` may make ``request``; raise ``Unauthenticated`` (401) or ``Forbidden`` (403)."""
        if not self.needs_key(request):
            return
        if not self._digests:
            if not is_loopback(client.address):
                raise Forbidden(NO_KEYS_CONFIGURED)
        elif client.key_name is None:
            if "Authorization" in request.headers:
                raise Unauthenticated("the API key is not valid (send 'Authorization: Bearer KEY')")
            raise Unauthenticated("this route needs an API key: send 'Authorization: Bearer KEY'")

    def _is_trusted(self, address: IpAddress) -> bool:
        return any(address in network for network in self._trusted)


def route_path(request: web.Request) -> str | None:
    """The route's path as declared (``/evidence/{id}``), or None when the request matched no route."""
    resource = request.match_info.route.resource
    return None if resource is None else resource.canonical


def parse_ip(text: str | None) -> IpAddress | None:
    """An address as written by a peer or a proxy (``[::1]`` too); an IPv4-mapped IPv6 address as IPv4."""
    try:
        address = ipaddress.ip_address((text or "").strip().removeprefix("[").removesuffix("]"))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_loopback(address: str) -> bool:
    parsed = parse_ip(address)
    return parsed is not None and parsed.is_loopback


def _digest(secret: str) -> bytes:
    # Header values arrive as UTF-8 with undecodable bytes kept as surrogates: encode them back the same way.
    return hashlib.sha256(secret.encode("utf-8", "surrogateescape")).digest()
