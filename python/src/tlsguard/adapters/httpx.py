"""httpx transports that send through tlsguard.

    import httpx
    from tlsguard.adapters.httpx import TlsGuardTransport, TlsGuardAsyncTransport

    client = httpx.Client(transport=TlsGuardTransport(ca_file="ca.pem"))
    async_client = httpx.AsyncClient(transport=TlsGuardAsyncTransport(ca_file="ca.pem"))

Two classes, like httpx's own ``HTTPTransport`` / ``AsyncHTTPTransport``: the sync one owns a
:class:`tlsguard.Client`, the async one a :class:`tlsguard.AsyncClient` (which waits on the
event loop, no thread per request). Both take the options of :class:`tlsguard.Client`
(``roots``, ``ca_file``, ``pins``, ``client_cert``/``client_key``, ``proxy``, ``timeout``,
``connect_timeout``, ...); ``close()`` / ``aclose()`` (and closing the httpx client) close it.

- **TLS belongs to the transport.** httpx's ``verify=``, ``cert=`` and ``trust_env`` are
  options of the *default* transport; httpx does not hand them to a custom one, so they have no
  effect here (and cannot turn verification off). Configure trust on the transport:
  ``ca_file=``, ``pins=``, ``client_cert=``.
- **Not bypassed by httpx's proxy= / mounts=.** ``httpx.Client(transport=..., proxy=...)`` and
  ``mounts={"https://host": httpx.HTTPTransport()}`` make httpx send matching https:// URLs
  through *its own* transport (with its own ``verify=``, which can be False), not through
  tlsguard. The transports refuse such a client with :class:`tlsguard.InvalidInput`: when the
  client is entered (``with httpx.Client(...)``) and at its first request through the
  transport. A client used without ``with`` whose every URL goes elsewhere (``proxy=`` mounts
  ``all://``) never reaches the transport, so nothing can refuse it: use ``with``, and
  ``TlsGuardTransport(proxy=...)`` for a proxy. Without ``proxy`` tlsguard reads
  ``HTTPS_PROXY``/``NO_PROXY`` itself (httpx ignores them for a client given a ``transport``).
- **One hop per request.** The tlsguard client has ``max_redirects=0``; httpx follows
  redirects itself (``follow_redirects=True``, ``max_redirects``). ``allow_http`` stays False,
  so an http:// hop (e.g. a redirect from https:// to http://) reaching the transport is refused
  (``httpx.UnsupportedProtocol`` caused by ``INSECURE_URL``). If you mount the transport for
  ``"https://"`` only, mount it (or nothing) for ``"http://"`` too, or httpx would send such a
  hop through its default transport.
- **Timeout**: httpx's *read* timeout (``httpx.Timeout(...).read``; a plain ``timeout=5``
  sets it) becomes tlsguard's deadline for the response's headers and its ``read_timeout``
  (the longest wait for the body's next bytes); the connect phase is bounded by the transport's
  ``connect_timeout``. A read timeout of None means the transport's ``timeout`` and
  ``read_timeout`` (default 30 s each).
- **Bodies**: a request body httpx holds as bytes is sent as such; a streamed one is streamed
  as httpx sends it: with its ``Content-Length`` when httpx knows it (a file), else chunked (an
  iterator or async iterator).
  The response body is a stream (``httpx.SyncByteStream`` / ``AsyncByteStream`` over
  tlsguard's): ``client.stream(...)`` reads it as it arrives, never whole; it is already
  decoded: ``Content-Encoding`` and ``Content-Length`` are removed (see
  :func:`tlsguard.adapters.response_headers`), so httpx does not decode it again.
  Repeated response headers are kept (``response.headers.get_list(name)``).
- ``response.extensions["tlsguard_response"]`` is the :class:`tlsguard.Response` (TLS version,
  cipher suite, peer certificates, ...). ``response.elapsed`` is httpx's own measurement.

Errors are httpx exceptions (all ``httpx.TransportError``), chained to the tlsguard error
(``raise ... from e``) and also available as ``err.tlsguard_error``; see :data:`ERROR_MAP`.
"""

from __future__ import annotations

import sys
import weakref
from typing import Any, AsyncIterator, Dict, Iterator, List, Optional, Tuple, Type, Union

try:
    import httpx  # type: ignore[import-not-found, unused-ignore]
except ImportError as e:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError("tlsguard.adapters.httpx needs the 'httpx' package: pip install tlsguard[httpx]") from e

from .. import USE_CLIENT_DEFAULT, AsyncClient, AsyncStreamedResponse, Client, StreamedResponse, Timeout
from ..exceptions import (
    CertificateError,
    HTTPProtocolError,
    InvalidInput,
    NetworkError,
    PolicyError,
    RequestTimeout,
    TLSHandshakeError,
    TlsGuardError,
)
from . import client_options, invalid, no_body, request_headers, response_headers

__all__ = ["TlsGuardTransport", "TlsGuardAsyncTransport", "ERROR_MAP"]

#: tlsguard error -> httpx exception. An entry is an error ``code`` or a tlsguard exception
#: class (the error's category); the first entry that matches wins. Anything else is an
#: ``httpx.TransportError``.
#:
#: Certificate and TLS failures are ``ConnectError``, as httpx itself raises for SSL errors.
#: TIMEOUT is always ``ReadTimeout``: tlsguard's timeout is one deadline for the whole request
#: (its connect phase has its own ``connect_timeout``), and the error does not say which one
#: expired other than in its message. ``except httpx.TimeoutException`` catches it.
ERROR_MAP: List[Tuple[Union[str, Type[TlsGuardError]], Type[httpx.TransportError]]] = [
    ("INSECURE_URL", httpx.UnsupportedProtocol),
    ("HTTP_DOWNGRADE", httpx.UnsupportedProtocol),
    ("INVALID_URL", httpx.UnsupportedProtocol),
    (CertificateError, httpx.ConnectError),
    (TLSHandshakeError, httpx.ConnectError),
    (NetworkError, httpx.ConnectError),  # DNS, CONNECT
    (RequestTimeout, httpx.ReadTimeout),
    (HTTPProtocolError, httpx.RemoteProtocolError),
    (InvalidInput, httpx.LocalProtocolError),  # e.g. a header tlsguard refuses
    (PolicyError, httpx.TransportError),  # RESPONSE_TOO_LARGE
]


def _matches(error: TlsGuardError, key: Union[str, Type[TlsGuardError]]) -> bool:
    return error.code == key if isinstance(key, str) else isinstance(error, key)


def translate_error(error: TlsGuardError, request: httpx.Request) -> httpx.TransportError:
    """The httpx exception for a tlsguard error (with ``tlsguard_error`` set; not chained)."""
    cls = next((peer for key, peer in ERROR_MAP if _matches(error, key)), httpx.TransportError)
    text = str(error)
    if error.hint:
        text += f" (hint: {error.hint})"
    exc = cls(text, request=request)
    exc.tlsguard_error = error  # type: ignore[attr-defined, unused-ignore]
    return exc


def _arguments(request: httpx.Request, body: Any) -> Dict[str, Any]:
    timeout = request.extensions.get("timeout") or {}
    read = timeout.get("read")
    return dict(
        headers=request_headers(request.headers.multi_items()),
        content=body,
        # httpx's read timeout: the deadline for the headers and the longest wait for the body's
        # next bytes (the body is streamed).
        timeout=USE_CLIENT_DEFAULT if read is None else Timeout(float(read), read=float(read)),
    )


def _request_body(request: httpx.Request) -> Any:
    """The request's body for tlsguard's ``content=``: its bytes when httpx holds them (bytes,
    text, forms, JSON, multipart), else its stream: with the ``Content-Length`` httpx computed
    (a file: sent with that length, as httpx sends it), else chunked (an iterator, as httpx)."""
    if hasattr(request, "_content"):
        return request.content or None
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and "transfer-encoding" not in request.headers:
        return _SizedBody(request.stream, int(length))
    return request.stream


class _SizedBody:
    """A request stream of a known length as a file-like object (``read``, and ``tell`` /
    ``seek`` to tell the length), so that tlsguard sends it with that ``Content-Length``."""

    def __init__(self, stream: Any, length: int) -> None:
        self._pieces = iter(stream)
        self._length = length
        self._pending = b""
        self._pos = 0

    def read(self, size: int = -1) -> bytes:
        while not self._pending:
            try:
                self._pending = bytes(next(self._pieces))
            except StopIteration:
                return b""
        if size < 0 or size >= len(self._pending):
            piece, self._pending = self._pending, b""
        else:
            piece, self._pending = self._pending[:size], self._pending[size:]
        self._pos += len(piece)
        return piece

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = 0) -> int:
        # Only what measuring the length asks: seek(0, 2) says where the end is (without moving:
        # a stream cannot), seek(tell()) goes back to where it is.
        if whence == 2 and offset == 0:
            return self._length
        if whence == 0 and offset == self._pos:
            return self._pos
        raise OSError("this request body can only be read forward")


def _headers(request: httpx.Request, native: Union[StreamedResponse, AsyncStreamedResponse]) -> List[Tuple[str, str]]:
    return response_headers(native.headers.multi_items(), None, native.body_decoded, no_body(request.method, native.status_code))


def _extensions(native: Union[StreamedResponse, AsyncStreamedResponse]) -> Dict[str, Any]:
    return {
        "http_version": native.http_version.encode("ascii"),
        "reason_phrase": native.reason.encode("latin-1", "replace"),
        "tlsguard_response": native,
    }


class _SyncBody(httpx.SyncByteStream):  # type: ignore[misc, unused-ignore]
    """The response body as httpx reads it: tlsguard's stream, decoded, as it arrives."""

    def __init__(self, native: StreamedResponse, request: httpx.Request) -> None:
        self._native = native
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._native.iter_bytes()
        except TlsGuardError as e:
            raise translate_error(e, self._request) from e

    def close(self) -> None:
        self._native.close()  # the connection is closed unless the body was read to its end


class _AsyncBody(httpx.AsyncByteStream):  # type: ignore[misc, unused-ignore]
    """The asyncio twin of :class:`_SyncBody`."""

    def __init__(self, native: AsyncStreamedResponse, request: httpx.Request) -> None:
        self._native = native
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._native.aiter_bytes():
                yield chunk
        except TlsGuardError as e:
            raise translate_error(e, self._request) from e

    async def aclose(self) -> None:
        await self._native.aclose()


def _calling_client(depth: int, transport: Any) -> Optional[Any]:
    """The httpx client holding ``transport`` whose method called it (found as ``self`` in a
    caller's frame; httpx calls transports from ``Client._send_single_request`` and
    ``__enter__``). None for a transport wrapped in another one."""
    try:
        frame: Any = sys._getframe(depth + 1)
    except ValueError:  # pragma: no cover - a shallower stack than httpx ever has
        return None
    for _ in range(3):
        if frame is None:
            break
        owner = frame.f_locals.get("self")
        if isinstance(owner, (httpx.Client, httpx.AsyncClient)):
            mounts = getattr(owner, "_mounts", None) or {}
            holds = getattr(owner, "_transport", None) is transport or any(t is transport for t in mounts.values())
            return owner if holds else None
        frame = frame.f_back
    return None


def _bypasses(client: Any) -> List[str]:
    """The mount patterns through which httpx would send https:// URLs to a transport other
    than tlsguard's (``proxy=`` / ``mounts=``), in httpx's priority order."""
    mounts = getattr(client, "_mounts", None)
    if not isinstance(mounts, dict):
        return []  # an httpx whose internals differ: nothing to check (documented)
    ours = (TlsGuardTransport, TlsGuardAsyncTransport)
    default_is_ours = isinstance(getattr(client, "_transport", None), ours)
    found = []
    for pattern, transport in mounts.items():  # httpx keeps them sorted, most specific first
        scheme = getattr(pattern, "scheme", "")
        if scheme not in ("https", ""):  # "" is all://
            continue
        is_ours = default_is_ours if transport is None else isinstance(transport, ours)
        if is_ours:
            if not getattr(pattern, "host", "") and getattr(pattern, "port", None) is None:
                break  # every https:// URL not matched above comes to tlsguard
            continue
        found.append(str(getattr(pattern, "pattern", pattern)))
    return found


class _BypassCheck:
    """Refuses an httpx client that would send https:// URLs around the transport."""

    def __init__(self) -> None:
        self._checked: "weakref.WeakSet[Any]" = weakref.WeakSet()

    def check(self, transport: Any, depth: int) -> None:
        cls_name = type(transport).__name__
        client = _calling_client(depth + 1, transport)
        if client is None or client in self._checked:
            return
        found = _bypasses(client)
        if found:
            raise invalid(
                f"this httpx client sends https:// URLs matching {', '.join(map(repr, found))} through "
                f"httpx's own transport (proxy= or mounts=), around {cls_name}: those requests would "
                "not be verified by tlsguard",
                f"Give the proxy to the transport ({cls_name}(proxy='http://host:port')) and leave "
                "httpx's proxy= and mounts= unset (or mount only tlsguard transports).",
            )
        self._checked.add(client)


class TlsGuardTransport(httpx.BaseTransport):  # type: ignore[misc, unused-ignore]  # (Any without httpx)
    """An httpx transport sending every request through one :class:`tlsguard.Client`.

    ``TlsGuardTransport(**options)``: the options of :class:`tlsguard.Client`, except
    ``max_redirects`` (httpx follows redirects) and ``allow_http=True``.
    """

    def __init__(self, **options: Any) -> None:
        opts = client_options("TlsGuardTransport", "httpx", "httpx.Client(max_redirects=...)", options)
        self.client = Client(**opts)
        self._bypass = _BypassCheck()

    def __enter__(self) -> "TlsGuardTransport":
        self._bypass.check(self, 1)
        return self

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._bypass.check(self, 1)
        try:
            native = self.client.stream(request.method, str(request.url), **_arguments(request, _request_body(request)))
        except TlsGuardError as e:
            raise translate_error(e, request) from e
        return httpx.Response(
            native.status_code,
            headers=_headers(request, native),
            stream=_SyncBody(native, request),
            request=request,
            extensions=_extensions(native),
        )

    def close(self) -> None:
        self.client.close()


class TlsGuardAsyncTransport(httpx.AsyncBaseTransport):  # type: ignore[misc, unused-ignore]
    """The asyncio twin of :class:`TlsGuardTransport`, over one :class:`tlsguard.AsyncClient`.

    Needs an asyncio loop (any: selector, uvloop, Windows' Proactor; not trio).
    """

    def __init__(self, **options: Any) -> None:
        opts = client_options("TlsGuardAsyncTransport", "httpx", "httpx.AsyncClient(max_redirects=...)", options)
        self.client = AsyncClient(**opts)
        self._bypass = _BypassCheck()

    async def __aenter__(self) -> "TlsGuardAsyncTransport":
        self._bypass.check(self, 1)
        return self

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self._bypass.check(self, 1)
        try:
            context = self.client.stream(request.method, str(request.url), **_arguments(request, _request_body(request)))
            native = await context.__aenter__()
        except TlsGuardError as e:
            raise translate_error(e, request) from e
        return httpx.Response(
            native.status_code,
            headers=_headers(request, native),
            stream=_AsyncBody(native, request),
            request=request,
            extensions=_extensions(native),
        )

    async def aclose(self) -> None:
        await self.client.aclose()
