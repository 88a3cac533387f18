"""tlsguard: secure-by-default HTTPS and certificate diagnosis (rustls).

TLS 1.2/1.3 only, certificate verification always on (there is no switch to turn it off),
and every refusal is a :class:`TlsGuardError` with a stable ``code``, a message naming the
certificate and the fact, and a ``hint`` saying whose side must fix what.

All behaviour lives in the Rust core; this module only names things the Python way.
"""

from __future__ import annotations

import asyncio
import weakref as _weakref
from datetime import datetime
from os import PathLike
from typing import Any, Iterable, List, Literal, Mapping, Optional, Sequence, Tuple, Union

from . import _native
from ._native import (
    Certificate,
    ChainReport,
    Finding,
    Headers,
    Request,
    AuditReport,
    ProtocolSupport,
    Response,
    ServerReport,
    StreamedResponse,
    SuiteSupport,
    TrustReport,
    TrustSource,
    load_certificates,
)
from .exceptions import (
    CertificateError,
    HTTPProtocolError,
    HTTPStatusError,
    InternalError,
    InvalidInput,
    NetworkError,
    PolicyError,
    RequestTimeout,
    TLSHandshakeError,
    TlsGuardError,
)

__version__: str = _native.__version__

__all__ = [
    # HTTPS
    "Client",
    "AsyncClient",
    "Response",
    "Request",
    "StreamedResponse",
    "Headers",
    "request",
    "get",
    "head",
    "options",
    "post",
    "put",
    "patch",
    "delete",
    "close_shared_clients",
    # certificates
    "Certificate",
    "load_certificates",
    "verify_chain",
    "ChainReport",
    "lint",
    "Finding",
    "trust_report",
    "TrustReport",
    "inspect",
    "ServerReport",
    "AuditReport",
    "ProtocolSupport",
    "SuiteSupport",
    "TrustSource",
    # errors
    "TlsGuardError",
    "CertificateError",
    "TLSHandshakeError",
    "NetworkError",
    "RequestTimeout",
    "PolicyError",
    "HTTPProtocolError",
    "HTTPStatusError",
    "InvalidInput",
    "InternalError",
    "__version__",
]

StrPath = Union[str, "PathLike[str]"]
PemInput = Union[str, bytes, StrPath]
Params = Union[Mapping[str, Any], Iterable[Tuple[str, Any]]]
HeadersInput = Union[Mapping[str, Union[str, Sequence[str]]], Iterable[Tuple[str, str]]]
Data = Union[bytes, bytearray, memoryview, str, Mapping[str, Any], List[Tuple[str, Any]]]
Time = Union[datetime, int, float]


def _refuse_tls_override(verify: object, cert: object) -> None:
    """Refuses requests'/httpx's per-call TLS switches with an explanation (``InvalidInput``).

    ``verify=True`` (or None) is what tlsguard always does and passes; ``verify=False``, a CA
    path, an ``ssl.SSLContext`` and ``cert=`` are refused: trust and the client certificate are
    the client's options, and there is no way to turn verification off.
    """
    if verify is not None and verify is not True:
        if isinstance(verify, (str, bytes, PathLike)):
            path = verify.decode() if isinstance(verify, bytes) else str(verify)
            message = (
                f"verify={path!r}: the client decides what is trusted, not the request (in requests a "
                "verify path replaces the trusted CAs for that call)"
            )
            hint = (
                f"Give the CA to the client: tlsguard.Client(ca_file={path!r}) adds it to the public roots; "
                f"tlsguard.Client(roots='none', ca_file={path!r}) trusts only it."
            )
        else:
            message = f"verify={verify!r}: tlsguard has no switch to turn certificate verification off"
            hint = (
                "To trust a self-signed certificate, pin its key: tlsguard.Client(roots='none', "
                "pins=['sha256/...']) (tlsguard.Certificate.from_pem(pem).spki_pin gives it); to trust "
                "your own CA, tlsguard.Client(ca_file='ca.pem'). A refused certificate's error says what "
                "is wrong and whose side must fix it."
            )
        raise InvalidInput(
            f"INVALID_ARGUMENT: {message}", code="INVALID_ARGUMENT", category="invalid_input", message=message, hint=hint
        )
    if cert is not None:
        message = "cert=...: the client holds the client certificate, not the request"
        raise InvalidInput(
            f"INVALID_ARGUMENT: {message}",
            code="INVALID_ARGUMENT",
            category="invalid_input",
            message=message,
            hint="Give it to the client: tlsguard.Client(client_cert='cert.pem', client_key='key.pem').",
        )


class _ClientBase:
    """The options shared by :class:`Client` and :class:`AsyncClient`.

    Every option is validated by the core (``INVALID_ARGUMENT`` for a bad value); options not
    named here (``max_response_bytes``, ``use_env``, ``sensitive_headers``) are passed through
    by keyword.
    """

    def __init__(
        self,
        *,
        roots: str = "mozilla+system",
        ca_file: Optional[Union[StrPath, Sequence[StrPath]]] = None,
        ca_pem: Optional[Union[str, bytes, Sequence[Union[str, bytes]]]] = None,
        pins: Optional[Union[str, Sequence[str]]] = None,
        client_cert: Optional[PemInput] = None,
        client_key: Optional[PemInput] = None,
        client_key_password: Optional[str] = None,
        crls: Optional[Union[PemInput, Sequence[PemInput]]] = None,
        min_tls: str = "1.2",
        timeout: float = 30.0,
        connect_timeout: float = 10.0,
        max_redirects: int = 10,
        allow_http: bool = False,
        proxy: Optional[str] = None,
        http2: bool = False,
        keep_alive: bool = True,
        headers: Optional[Mapping[str, Union[str, Sequence[str]]]] = None,
        fetch_missing_intermediates: bool = False,
        aia_allow_private: bool = False,
        **other: Any,
    ) -> None:
        opts = dict(
            roots=roots,
            ca_file=ca_file,
            ca_pem=ca_pem,
            pins=pins,
            client_cert=client_cert,
            client_key=client_key,
            client_key_password=client_key_password,
            crls=crls,
            min_tls=min_tls,
            timeout=timeout,
            connect_timeout=connect_timeout,
            max_redirects=max_redirects,
            allow_http=allow_http,
            proxy=proxy,
            http2=http2,
            keep_alive=keep_alive,
            headers=headers,
            fetch_missing_intermediates=fetch_missing_intermediates,
            aia_allow_private=aia_allow_private,
        )
        if "cert" in other:
            _refuse_tls_override(None, other["cert"])
        opts.update(other)  # unknown names are refused by the core, with an explanation
        self._native = _native.Client(opts)

    def _client(self) -> _native.Client:
        return self._native

    @property
    def closed(self) -> bool:
        """Whether the client was closed (later requests raise :class:`InvalidInput`)."""
        return self._native.closed

    def trust_report(self) -> TrustReport:
        """What this client trusts: every source loaded, with counts."""
        return self._client().trust_report()

    def __repr__(self) -> str:
        return f"<tlsguard.{type(self).__name__} {'closed' if self.closed else 'open'}>"


class Client(_ClientBase):
    """An HTTPS client with a connection pool. Thread-safe: share one across threads.

    ``with tlsguard.Client(ca_file="ca.pem") as client: client.get(url)``.
    """

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Optional[Params] = None,
        headers: Optional[HeadersInput] = None,
        data: Optional[Data] = None,
        json: Any = None,
        timeout: Optional[float] = None,
        verify: Optional[Literal[True]] = None,
        cert: None = None,
    ) -> Response:
        """Sends a request and reads the whole response (the GIL is released meanwhile).

        ``verify``/``cert`` exist to refuse requests' per-call TLS switches with an
        explanation: trust and the client certificate are the client's options."""
        if verify is not None or cert is not None:
            _refuse_tls_override(verify, cert)
        return self._client().request(method, url, params, headers, data, json, timeout)

    def stream(
        self,
        method: str,
        url: str,
        *,
        params: Optional[Params] = None,
        headers: Optional[HeadersInput] = None,
        data: Optional[Data] = None,
        json: Any = None,
        timeout: Optional[float] = None,
        verify: Optional[Literal[True]] = None,
        cert: None = None,
    ) -> StreamedResponse:
        """Sends a request and returns once its headers have arrived; the body is read as it
        comes (``for chunk in r.iter_bytes()``, ``r.read(n)``), decoded, never held whole. Use it
        as a context manager (``with client.stream("GET", url) as r:``), as httpx's ``stream``:
        leaving it early closes the connection. ``timeout`` covers the headers; a stalled body
        ends with the client's ``read_timeout``."""
        if verify is not None or cert is not None:
            _refuse_tls_override(verify, cert)
        return self._client().stream(method, url, params, headers, data, json, timeout)

    def get(self, url: str, **kwargs: Any) -> Response:
        return self.request("GET", url, **kwargs)

    def head(self, url: str, **kwargs: Any) -> Response:
        return self.request("HEAD", url, **kwargs)

    def options(self, url: str, **kwargs: Any) -> Response:
        return self.request("OPTIONS", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Response:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> Response:
        return self.request("PUT", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> Response:
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> Response:
        return self.request("DELETE", url, **kwargs)

    def close(self) -> None:
        """Closes the pooled connections; later requests raise :class:`InvalidInput`."""
        self._native.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# One completion queue per event loop, shared by every AsyncClient used on it. A loop that can
# watch a socket (add_reader: the selector loops, uvloop) is woken by a byte on the notifier's
# socket; any other (Windows' Proactor loop) by call_soon_threadsafe from tlsguard's waker thread.
_notifiers: "_weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _native.Notifier]" = _weakref.WeakKeyDictionary()


def _notifier(loop: asyncio.AbstractEventLoop) -> _native.Notifier:
    notifier = _notifiers.get(loop)
    if notifier is None:
        notifier = _native.Notifier()
        try:
            loop.add_reader(notifier.fileno, notifier.dispatch)
            notifier.use_socket()
        except NotImplementedError:
            pass  # woken with call_soon_threadsafe instead
        _notifiers[loop] = notifier
    return notifier


class AsyncClient(_ClientBase):
    """The asyncio client: same options as :class:`Client`, ``await client.get(url)``.

    The request runs on the core's I/O runtime; finished requests are handed to the event loop
    in batches (a byte on a socket the loop watches, or ``loop.call_soon_threadsafe`` on a loop
    without ``add_reader`` such as Windows' Proactor loop), so no thread is blocked per request,
    cancelling the ``await`` cancels the request, and any asyncio loop works.
    """

    # The loop last used and its notifier, as one tuple (read and replaced atomically, so a
    # client shared by loops in several threads never pairs one loop with another's notifier).
    _bound: Optional[Tuple[asyncio.AbstractEventLoop, _native.Notifier]] = None

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: Optional[Params] = None,
        headers: Optional[HeadersInput] = None,
        data: Optional[Data] = None,
        json: Any = None,
        timeout: Optional[float] = None,
        verify: Optional[Literal[True]] = None,
        cert: None = None,
    ) -> Response:
        if verify is not None or cert is not None:
            _refuse_tls_override(verify, cert)
        loop = asyncio.get_running_loop()
        bound = self._bound
        if bound is None or bound[0] is not loop:
            bound = self._bound = (loop, _notifier(loop))
        notifier = bound[1]
        done: asyncio.Future[Response] = loop.create_future()
        request_id = self._native.start(notifier, loop, done, method, url, params, headers, data, json, timeout)
        try:
            return await done
        except BaseException:  # cancelled (or the loop is going away): stop the request
            notifier.cancel(request_id)
            raise

    async def get(self, url: str, **kwargs: Any) -> Response:
        return await self.request("GET", url, **kwargs)

    async def head(self, url: str, **kwargs: Any) -> Response:
        return await self.request("HEAD", url, **kwargs)

    async def options(self, url: str, **kwargs: Any) -> Response:
        return await self.request("OPTIONS", url, **kwargs)

    async def post(self, url: str, **kwargs: Any) -> Response:
        return await self.request("POST", url, **kwargs)

    async def put(self, url: str, **kwargs: Any) -> Response:
        return await self.request("PUT", url, **kwargs)

    async def patch(self, url: str, **kwargs: Any) -> Response:
        return await self.request("PATCH", url, **kwargs)

    async def delete(self, url: str, **kwargs: Any) -> Response:
        return await self.request("DELETE", url, **kwargs)

    async def aclose(self) -> None:
        """Closes the pooled connections; later requests raise :class:`InvalidInput`."""
        self._native.close()

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def request(
    method: str,
    url: str,
    *,
    params: Optional[Params] = None,
    headers: Optional[HeadersInput] = None,
    data: Optional[Data] = None,
    json: Any = None,
    verify: Optional[Literal[True]] = None,
    cert: None = None,
    **options: Any,
) -> Response:
    """One request with a client shared by the one-off calls that pass the same ``options``
    (the Client's options): a loop of ``tlsguard.get(url)`` reuses connections and TLS
    sessions. Up to 8 option sets are kept (the least recently used is closed first); each
    client is rebuilt after 5 minutes, so a changed ``ca_file`` is read again; idle
    connections close after ``pool_idle_timeout`` (90 s). :func:`close_shared_clients` closes
    them all. Options with ``cookies`` get a client of their own per call."""
    if verify is not None or cert is not None:
        _refuse_tls_override(verify, cert)
    if "cert" in options:
        _refuse_tls_override(None, options["cert"])
    client = _native.Client.shared(options)
    return client.request(method, url, params, headers, data, json, None)


def close_shared_clients() -> None:
    """Closes the clients one-off calls (``tlsguard.get()`` etc.) share, with their pooled
    connections; the next one-off call makes a new one. Requests in flight finish."""
    _native.Client.close_shared()


def get(url: str, **kwargs: Any) -> Response:
    return request("GET", url, **kwargs)


def head(url: str, **kwargs: Any) -> Response:
    return request("HEAD", url, **kwargs)


def options(url: str, **kwargs: Any) -> Response:
    return request("OPTIONS", url, **kwargs)


def post(url: str, **kwargs: Any) -> Response:
    return request("POST", url, **kwargs)


def put(url: str, **kwargs: Any) -> Response:
    return request("PUT", url, **kwargs)


def patch(url: str, **kwargs: Any) -> Response:
    return request("PATCH", url, **kwargs)


def delete(url: str, **kwargs: Any) -> Response:
    return request("DELETE", url, **kwargs)


def verify_chain(
    chain: Union[str, bytes, Certificate, Sequence[Certificate]],
    hostname: Optional[str] = None,
    *,
    roots: Optional[str] = None,
    ca_file: Optional[Union[StrPath, Sequence[StrPath]]] = None,
    ca_pem: Optional[Union[str, bytes, Sequence[Union[str, bytes]]]] = None,
    pins: Optional[Union[str, Sequence[str]]] = None,
    crls: Optional[Union[PemInput, Sequence[PemInput]]] = None,
    use_env: Optional[bool] = None,
    purpose: Optional[str] = None,
    max_chain_depth: Optional[int] = None,
    fetch_missing_intermediates: Optional[bool] = None,
    aia_allow_private: Optional[bool] = None,
    at: Optional[Time] = None,
) -> ChainReport:
    """Verifies a chain (leaf first) offline, with the same verifier as the client.

    A refused chain is not raised: ``report.ok`` is False and ``report.error`` is the
    :class:`TlsGuardError` a request would raise (``report.raise_for_error()`` raises it).
    Bad input (unparsable PEM, unreadable ``ca_file``) raises :class:`InvalidInput`.
    ``purpose`` is ``"server"`` (default) or ``"client"``; ``at`` a datetime or Unix seconds.
    """
    opts = dict(
        hostname=hostname,
        roots=roots,
        ca_file=ca_file,
        ca_pem=ca_pem,
        pins=pins,
        crls=crls,
        use_env=use_env,
        purpose=purpose,
        max_chain_depth=max_chain_depth,
        fetch_missing_intermediates=fetch_missing_intermediates,
        aia_allow_private=aia_allow_private,
    )
    return _native.verify_chain(chain, opts, at)


def trust_report(
    *,
    roots: Optional[str] = None,
    ca_file: Optional[Union[StrPath, Sequence[StrPath]]] = None,
    ca_pem: Optional[Union[str, bytes, Sequence[Union[str, bytes]]]] = None,
    pins: Optional[Union[str, Sequence[str]]] = None,
    crls: Optional[Union[PemInput, Sequence[PemInput]]] = None,
    use_env: Optional[bool] = None,
) -> TrustReport:
    """What a trust configuration loads (every source with its counts), without a client."""
    return _native.trust_report(
        dict(roots=roots, ca_file=ca_file, ca_pem=ca_pem, pins=pins, crls=crls, use_env=use_env)
    )


def lint(
    chain_pem: Union[str, bytes],
    key: Optional[PemInput] = None,
    hostnames: Union[str, Sequence[str]] = (),
    warn_days: int = 30,
    *,
    at: Optional[Time] = None,
) -> List[Finding]:
    """Checks a deployment bundle (leaf first, then intermediates) and optionally its key
    (PEM, or a path: then its file permissions are checked too).

    Problems of the deployment are findings (errors first); unparsable input raises
    :class:`InvalidInput`.
    """
    return _native.lint(chain_pem, dict(key=key, hostnames=hostnames, warn_days=warn_days), at)


def inspect(
    host: str,
    port: int = 443,
    *,
    audit: Optional[bool] = None,
    http_request: Optional[bool] = None,
    path: Optional[str] = None,
    timeout: Optional[float] = None,
    connect_timeout: Optional[float] = None,
    roots: Optional[str] = None,
    ca_file: Optional[Union[StrPath, Sequence[StrPath]]] = None,
    ca_pem: Optional[Union[str, bytes, Sequence[Union[str, bytes]]]] = None,
    pins: Optional[Union[str, Sequence[str]]] = None,
    crls: Optional[Union[PemInput, Sequence[PemInput]]] = None,
    use_env: Optional[bool] = None,
    client_cert: Optional[PemInput] = None,
    client_key: Optional[PemInput] = None,
    client_key_password: Optional[str] = None,
) -> ServerReport:
    """Connects to ``host:port`` like a request would and reports what the server presented
    and negotiated, whether a request would verify it (``verdict``), how the chain is
    deployed, HSTS and cookies, and with ``audit=True`` which old TLS versions and legacy
    suites it still accepts. Certificate problems are in the report; connection failures
    (DNS, CONNECT, TIMEOUT, TLS_*) raise.
    """
    opts = dict(
        port=port,
        audit=audit,
        http_request=http_request,
        path=path,
        timeout=timeout,
        connect_timeout=connect_timeout,
        roots=roots,
        ca_file=ca_file,
        ca_pem=ca_pem,
        pins=pins,
        crls=crls,
        use_env=use_env,
        client_cert=client_cert,
        client_key=client_key,
        client_key_password=client_key_password,
    )
    return _native.inspect(host, opts)
