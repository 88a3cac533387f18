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
  ``ca_file=``, ``pins=``, ``client_cert=``. httpx's ``proxy=`` / ``mounts=`` likewise choose
  transports; use ``TlsGuardTransport(proxy=...)``. Without ``proxy`` tlsguard reads
  ``HTTPS_PROXY``/``NO_PROXY`` itself.
- **One hop per request.** The tlsguard client has ``max_redirects=0``; httpx follows
  redirects itself (``follow_redirects=True``, ``max_redirects``). ``allow_http`` stays False,
  so an http:// hop (e.g. a redirect from https:// to http://) reaching the transport is refused
  (``httpx.UnsupportedProtocol`` caused by ``INSECURE_URL``). If you mount the transport for
  ``"https://"`` only, mount it (or nothing) for ``"http://"`` too, or httpx would send such a
  hop through its default transport.
- **Timeout**: tlsguard has one deadline per request: httpx's *read* timeout
  (``httpx.Timeout(...).read``; a plain ``timeout=5`` sets it) becomes it; the connect phase is
  bounded by the transport's ``connect_timeout``. A read timeout of None means the transport's
  ``timeout`` (default 30 s).
- **Bodies**: the request body is read whole and sent as bytes; the response body arrives whole
  and already decoded: ``Content-Encoding`` is removed and ``Content-Length`` set to the decoded
  size (see :func:`tlsguard.adapters.response_headers`), so httpx does not decode it again.
  Repeated response headers are kept (``response.headers.get_list(name)``).
- ``response.extensions["tlsguard_response"]`` is the :class:`tlsguard.Response` (TLS version,
  cipher suite, peer certificates, ...). ``response.elapsed`` is httpx's own measurement.

Errors are httpx exceptions (all ``httpx.TransportError``), chained to the tlsguard error
(``raise ... from e``) and also available as ``err.tlsguard_error``; see :data:`ERROR_MAP`.
"""

from __future__ import annotations

from typing import Any, Dict, List, Tuple, Type, Union

try:
    import httpx  # type: ignore[import-not-found, unused-ignore]
except ImportError as e:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError("tlsguard.adapters.httpx needs the 'httpx' package: pip install tlsguard[httpx]") from e

from .. import AsyncClient, Client, Response
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
from . import client_options, request_headers, response_headers

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


def _arguments(request: httpx.Request, body: bytes) -> Dict[str, Any]:
    timeout = request.extensions.get("timeout") or {}
    read = timeout.get("read")
    return dict(
        headers=request_headers(request.headers.multi_items()),
        data=body or None,
        timeout=None if read is None else float(read),
    )


def _response(request: httpx.Request, native: Response) -> httpx.Response:
    content = native.content
    return httpx.Response(
        native.status_code,
        headers=response_headers(native.headers.multi_items(), content),
        stream=httpx.ByteStream(content),
        request=request,
        extensions={
            "http_version": native.http_version.encode("ascii"),
            "reason_phrase": native.reason.encode("latin-1", "replace"),
            "tlsguard_response": native,
        },
    )


class TlsGuardTransport(httpx.BaseTransport):  # type: ignore[misc, unused-ignore]  # (Any without httpx)
    """An httpx transport sending every request through one :class:`tlsguard.Client`.

    ``TlsGuardTransport(**options)``: the options of :class:`tlsguard.Client`, except
    ``max_redirects`` (httpx follows redirects) and ``allow_http=True``.
    """

    def __init__(self, **options: Any) -> None:
        opts = client_options("TlsGuardTransport", "httpx", "httpx.Client(max_redirects=...)", options)
        self.client = Client(**opts)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        try:
            native = self.client.request(request.method, str(request.url), **_arguments(request, body))
        except TlsGuardError as e:
            raise translate_error(e, request) from e
        return _response(request, native)

    def close(self) -> None:
        self.client.close()


class TlsGuardAsyncTransport(httpx.AsyncBaseTransport):  # type: ignore[misc, unused-ignore]
    """The asyncio twin of :class:`TlsGuardTransport`, over one :class:`tlsguard.AsyncClient`.

    Needs an asyncio loop with ``add_reader`` (not trio).
    """

    def __init__(self, **options: Any) -> None:
        opts = client_options("TlsGuardAsyncTransport", "httpx", "httpx.AsyncClient(max_redirects=...)", options)
        self.client = AsyncClient(**opts)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        try:
            native = await self.client.request(request.method, str(request.url), **_arguments(request, body))
        except TlsGuardError as e:
            raise translate_error(e, request) from e
        return _response(request, native)

    async def aclose(self) -> None:
        await self.client.aclose()
