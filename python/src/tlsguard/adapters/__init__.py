"""Adapters that put tlsguard under existing ``requests`` / ``httpx`` code.

- :class:`tlsguard.adapters.requests.TlsGuardAdapter`: ``session.mount("https://", TlsGuardAdapter(ca_file=...))``
- :class:`tlsguard.adapters.httpx.TlsGuardTransport`: ``httpx.Client(transport=TlsGuardTransport(...))``
- :class:`tlsguard.adapters.httpx.TlsGuardAsyncTransport`: ``httpx.AsyncClient(transport=TlsGuardAsyncTransport(...))``

requests and httpx are optional dependencies (``pip install tlsguard[requests]``,
``pip install tlsguard[httpx]``). ``import tlsguard`` does not import this package, and this
package does not import requests or httpx: only the submodule you import does.

What both adapters share (pure Python, no peer library needed) lives here:

- every adapter sends exactly one hop (its tlsguard client has ``max_redirects=0``); the peer
  library follows redirects with its own logic;
- hop-by-hop and framing request headers (``Connection``, ``Content-Length``, ...) are left to
  tlsguard, and ``Accept-Encoding`` is narrowed to the codings tlsguard decodes;
- a response body tlsguard decoded loses its ``Content-Encoding`` header and gets a
  ``Content-Length`` of the decoded size, so the peer library does not decode it again.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional, Tuple
from urllib.parse import urljoin, urlsplit

from .. import _native
from ..exceptions import InvalidInput, PolicyError

__all__ = ["TlsGuardAdapter", "TlsGuardTransport", "TlsGuardAsyncTransport"]

#: Request headers the adapters drop: connection management and body framing belong to
#: tlsguard (HTTP/2 forbids the connection-specific ones; a stale Content-Length would make
#: the request hang or fail).
DROPPED_REQUEST_HEADERS = frozenset(
    ["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "content-length"]
)

#: Content codings tlsguard decodes (the core's list).
DECODED_CODINGS = frozenset(_native.DECODED_CODINGS)

REDIRECT_STATUSES = frozenset([301, 302, 303, 307, 308])

_NO_REDIRECT_OPTION = (
    "{cls} follows no redirects itself (its tlsguard client has max_redirects=0): {peer} follows "
    "them, one hop per call. Set the limit there ({where})."
)


def client_options(cls_name: str, peer: str, where: str, options: Dict[str, Any]) -> Dict[str, Any]:
    """The tlsguard client options of an adapter: the caller's, plus ``max_redirects=0``.

    ``max_redirects`` and ``allow_http=True`` are refused: redirects are the peer library's,
    and with plain http allowed the peer library could follow an https -> http redirect that
    tlsguard would refuse.
    """
    if "max_redirects" in options:
        raise invalid(_NO_REDIRECT_OPTION.format(cls=cls_name, peer=peer, where=where))
    if options.get("allow_http"):
        raise invalid(
            f"{cls_name} does not take allow_http=True: {peer} follows redirects hop by hop, so "
            "an https:// -> http:// redirect would be followed in plaintext. tlsguard is for https://."
        )
    return {**options, "max_redirects": 0}


def invalid(message: str, hint: str = "") -> InvalidInput:
    """An :class:`tlsguard.InvalidInput` (code ``INVALID_ARGUMENT``) raised by an adapter."""
    return InvalidInput(
        f"INVALID_ARGUMENT: {message}", code="INVALID_ARGUMENT", category="invalid_input", message=message, hint=hint
    )


def request_headers(items: Iterable[Tuple[Any, Any]]) -> List[Tuple[str, str]]:
    """The peer request's headers as tlsguard takes them (repeated names kept, in order)."""
    out: List[Tuple[str, str]] = []
    for name, value in items:
        name = name.decode("latin-1") if isinstance(name, bytes) else str(name)
        value = value.decode("latin-1") if isinstance(value, bytes) else str(value)
        lower = name.lower()
        if lower in DROPPED_REQUEST_HEADERS:
            continue
        if lower == "accept-encoding":
            value = _accept_encoding(value)
        out.append((name, value))
    return out


def _accept_encoding(value: str) -> str:
    """``Accept-Encoding`` narrowed to what tlsguard decodes (``identity`` if nothing is left).

    requests/httpx advertise codings (``zstd``, ``br``) when optional packages are installed; a body
    in a coding tlsguard does not decode would reach the caller still encoded.
    """
    kept = []
    for token in value.split(","):
        coding = token.split(";", 1)[0].strip().lower()
        if coding in DECODED_CODINGS or coding == "identity":
            kept.append(token.strip())
    return ", ".join(kept) if kept else "identity"


def response_headers(
    items: Iterable[Tuple[str, str]], body: Optional[bytes], decoded: bool, no_body: bool = False
) -> List[Tuple[str, str]]:
    """The tlsguard response's headers for the peer library (repeated names kept, in order).

    tlsguard keeps headers exactly as received but returns the *decoded* body. When tlsguard
    decodes the body (``decoded``: the response's ``body_decoded``, every coding of
    ``Content-Encoding`` one it decodes), that header is removed and ``Content-Length`` is set to
    the decoded size (``body``), or removed for a streamed body (``body=None``: its decoded size
    is not known yet), so the peer library does not try to decode the body a second time. Other
    responses (no coding, a coding tlsguard does not decode) and responses without a body (HEAD,
    204, 304: an empty ``body`` or ``no_body``) keep their headers.
    """
    items = list(items)
    if not decoded or no_body or (body is not None and not body):
        return items
    out = [(n, v) for n, v in items if n.lower() not in ("content-encoding", "content-length")]
    if body is not None:
        out.append(("content-length", str(len(body))))
    return out


def no_body(method: str, status: int) -> bool:
    """Whether a response has no body whatever its headers say (RFC 9110 6.4.1)."""
    return method.upper() == "HEAD" or status in (204, 304) or 100 <= status < 200


def downgrade_error(url: str, status: int, headers: Any) -> Optional[PolicyError]:
    """The ``HTTP_DOWNGRADE`` error for a redirect from https:// to http://, else None.

    ``headers``: the response headers, anything with a case-insensitive ``get(name)``.
    """
    if status not in REDIRECT_STATUSES or urlsplit(url).scheme != "https":
        return None
    location = headers.get("location")
    if not location:
        return None
    target = urljoin(url, location)
    if urlsplit(target).scheme != "http":
        return None
    message = f"redirect from {url} to {target} refused: https:// -> http:// would send the next request in plaintext"
    return PolicyError(
        f"HTTP_DOWNGRADE: {message}",
        code="HTTP_DOWNGRADE",
        category="policy",
        message=message,
        hint="The server's side: redirect to an https:// URL (check its configured base URL).",
        url=url,
    )


def __getattr__(name: str) -> Any:
    # tlsguard.adapters.TlsGuardAdapter etc. import their submodule (and its peer library) on use.
    if name == "TlsGuardAdapter":
        from .requests import TlsGuardAdapter

        return TlsGuardAdapter
    if name in ("TlsGuardTransport", "TlsGuardAsyncTransport"):
        from . import httpx as _httpx

        return getattr(_httpx, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
