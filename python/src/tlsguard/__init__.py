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
from typing import IO, TYPE_CHECKING, Any, AsyncIterable, AsyncIterator, Callable, Dict, Iterable, Iterator, List, Literal, Mapping, Optional, Sequence, Tuple, Union, cast

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
    "AsyncStreamedResponse",
    "Headers",
    "Timeout",
    "BasicAuth",
    "BearerAuth",
    "Cookies",
    "MockTransport",
    "USE_CLIENT_DEFAULT",
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
    "Verifier",
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
Data = Union[bytes, bytearray, memoryview, str, Mapping[str, Any], List[Tuple[str, Any]], IO[bytes], Iterable[bytes]]
#: A body: bytes or text, a binary file object (read as it is sent, with its length when it
#: has one), or an iterator of bytes (sent chunked).
Content = Union[bytes, bytearray, memoryview, str, IO[bytes], Iterable[bytes]]
#: ``AsyncClient``'s ``content=`` also takes an async iterable of bytes (sent chunked).
AsyncContent = Union[Content, AsyncIterable[bytes]]
_FileValue = Union[IO[bytes], bytes, str]
_FileSpec = Union[_FileValue, Tuple[Optional[str], _FileValue], Tuple[Optional[str], _FileValue, Optional[str]]]
#: ``files=``: ``{"name": file}``, ``{"name": (filename, file[, content_type])}`` or a list of pairs.
Files = Union[Mapping[str, _FileSpec], Sequence[Tuple[str, _FileSpec]]]
Time = Union[datetime, int, float]


if TYPE_CHECKING:
    # Typed keyword arguments (PEP 692): a misspelt option is a type error. Only for the type
    # checker (typing_extensions is not a runtime dependency).
    from typing_extensions import TypedDict, Unpack

    class _RequestKwargs(TypedDict, total=False):
        params: Optional[Params]
        headers: Optional[HeadersInput]
        data: Optional[Data]
        json: Any
        content: Optional[Content]
        files: Optional[Files]
        timeout: "TimeoutInput"
        auth: Optional["AuthInput"]
        follow_redirects: Optional[bool]
        retries: Optional["RetriesInput"]
        decompress: bool
        verify: Optional[Literal[True]]
        cert: None

    class _AsyncRequestKwargs(TypedDict, total=False):
        params: Optional[Params]
        headers: Optional[HeadersInput]
        data: Optional[Data]
        json: Any
        content: Optional["AsyncContent"]
        files: Optional[Files]
        timeout: "TimeoutInput"
        auth: Optional["AuthInput"]
        follow_redirects: Optional[bool]
        retries: Optional["RetriesInput"]
        decompress: bool
        verify: Optional[Literal[True]]
        cert: None

    class _MoreClientOptions(TypedDict, total=False):
        """The client options without a named parameter (the core's names)."""

        read_timeout: Optional[float]
        pool_idle_timeout: float
        max_response_bytes: int
        use_env: bool
        sensitive_headers: Sequence[str]
        max_connections_per_host: Optional[int]
        pool_wait_timeout: float
        resolve: Mapping[str, Union[str, Sequence[str]]]
        query: Params

    class _ClientOptions(_MoreClientOptions, total=False):
        """Every client option (the one-off calls' ``**options``)."""

        roots: str
        ca_file: Optional[Union[StrPath, Sequence[StrPath]]]
        ca_pem: Optional[Union[str, bytes, Sequence[Union[str, bytes]]]]
        pins: Optional[Union[str, Sequence[str]]]
        client_cert: Optional[PemInput]
        client_key: Optional[PemInput]
        client_key_password: Optional[str]
        crls: Optional[Union[PemInput, Sequence[PemInput]]]
        min_tls: str
        timeout: Union[float, "Timeout", None]
        connect_timeout: float
        max_redirects: int
        allow_http: bool
        proxy: Optional[str]
        http2: bool
        keep_alive: bool
        fetch_missing_intermediates: bool
        aia_allow_private: bool
        base_url: Optional[str]
        cookies: Union[bool, Sequence[Mapping[str, Any]], "Cookies"]

    class _OneOffKwargs(_ClientOptions, total=False):
        """``tlsguard.get(url, ...)``: the request's arguments and the shared client's options."""

        params: Optional[Params]
        headers: Optional[HeadersInput]
        data: Optional[Data]
        json: Any
        content: Optional[Content]
        files: Optional[Files]
        auth: Optional["AuthInput"]
        follow_redirects: Optional[bool]
        retries: Optional["RetriesInput"]
        verify: Optional[Literal[True]]
        cert: None


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


class _UseClientDefault:
    """The default of a request's ``timeout``: the client's. (``None`` means no limit, as in
    requests and httpx.)"""

    def __repr__(self) -> str:
        return "tlsguard.USE_CLIENT_DEFAULT"


USE_CLIENT_DEFAULT = _UseClientDefault()

_NOT_GIVEN: Any = _UseClientDefault()


class Timeout:
    """Timeouts in seconds, by phase; a part not given is the client's (or the default).

    - ``total``: the whole request (connect, send, headers, a buffered body, all redirects);
      ``None``: no limit. A plain float ``timeout=`` is this part.
    - ``connect``: DNS, TCP, proxy tunnel and TLS handshake. A client option only (a pooled
      connection is not made per request); always limited.
    - ``read``: the longest wait for the next bytes (headers or body); ``None``: no limit.

    httpx's ``Timeout(5.0)`` is 5 s *per phase*; here a single number is the whole request.
    """

    __slots__ = ("total", "connect", "read", "_given")

    def __init__(self, total: Optional[float] = _NOT_GIVEN, *, connect: float = _NOT_GIVEN, read: Optional[float] = _NOT_GIVEN) -> None:
        given = {k for k, v in (("total", total), ("connect", connect), ("read", read)) if v is not _NOT_GIVEN}
        if "connect" in given and connect is None:
            raise _invalid(
                "Timeout(connect=None): connecting always has a limit",
                "Give connect a number of seconds (the default is 10).",
            )
        self.total: Optional[float] = None if total is _NOT_GIVEN else total
        self.connect: Optional[float] = None if connect is _NOT_GIVEN else connect
        self.read: Optional[float] = None if read is _NOT_GIVEN else read
        self._given = frozenset(given)

    def _options(self, connect_name: Optional[str]) -> Dict[str, Any]:
        """The core's options (``None`` becomes the core's ``0``: no limit)."""
        out: Dict[str, Any] = {}
        if "total" in self._given:
            out["timeout"] = 0 if self.total is None else self.total
        if "read" in self._given:
            out["read_timeout"] = 0 if self.read is None else self.read
        if "connect" in self._given:
            if connect_name is None:
                raise _invalid(
                    "Timeout(connect=...) on a request: the connect timeout is the client's option "
                    "(a request may reuse a pooled connection)",
                    "Set it on the client: tlsguard.Client(timeout=tlsguard.Timeout(connect=5.0)) or Client(connect_timeout=5.0).",
                )
            out[connect_name] = self.connect
        return out

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Timeout) and (self.total, self.connect, self.read, self._given) == (
            other.total,
            other.connect,
            other.read,
            other._given,
        )

    def __hash__(self) -> int:
        return hash((self.total, self.connect, self.read, self._given))

    def __repr__(self) -> str:
        parts = [f"{k}={getattr(self, k)!r}" for k in ("total", "connect", "read") if k in self._given]
        return f"Timeout({', '.join(parts)})"


class BasicAuth:
    """HTTP Basic credentials (RFC 7617), as ``auth=(user, password)``."""

    __slots__ = ("username", "password")

    def __init__(self, username: str, password: str) -> None:
        self.username = username
        self.password = password

    def __repr__(self) -> str:
        return f"BasicAuth({self.username!r}, '***')"


class BearerAuth:
    """A bearer token (``Authorization: Bearer <token>``)."""

    __slots__ = ("token",)

    def __init__(self, token: str) -> None:
        self.token = token

    def __repr__(self) -> str:
        return "BearerAuth('***')"


AuthInput = Union[Tuple[str, str], BasicAuth, BearerAuth, Literal[False]]
TimeoutInput = Union[float, Timeout, None, _UseClientDefault]
#: ``retries=``: a number of retries, or the core's policy as a mapping (``max``, ``statuses``,
#: ``methods``, ``backoff``, ``max_backoff``, ...; see the package README).
RetriesInput = Union[int, Mapping[str, Any]]


def _invalid(message: str, hint: str = "") -> InvalidInput:
    return InvalidInput(
        f"INVALID_ARGUMENT: {message}", code="INVALID_ARGUMENT", category="invalid_input", message=message, hint=hint
    )


def _auth_option(auth: object) -> Any:
    """``auth=`` → the core's ``auth`` option (the core checks the values)."""
    if auth is False:
        return False
    if isinstance(auth, BearerAuth):
        return {"bearer": auth.token}
    if isinstance(auth, BasicAuth):
        return {"basic": [auth.username, auth.password]}
    if isinstance(auth, tuple) and len(auth) == 2:
        return {"basic": list(auth)}
    raise TypeError(f"auth: expected (user, password), tlsguard.BasicAuth, tlsguard.BearerAuth or False, got {type(auth).__name__}")


def _client_options(opts: Dict[str, Any]) -> Dict[str, Any]:
    """Client options as Python takes them → the core's: ``timeout`` a float, a
    :class:`Timeout` or None (no limit), ``auth`` a pair or an auth object, ``cookies`` a
    :class:`Cookies` too. Refuses ``cert=`` with an explanation."""
    if "cert" in opts:
        _refuse_tls_override(None, opts["cert"])
    if "timeout" in opts:
        t = opts["timeout"]
        if isinstance(t, Timeout):
            del opts["timeout"]
            opts.update(t._options("connect_timeout"))
        elif t is None:
            opts["timeout"] = 0
    if opts.get("auth") is not None:
        opts["auth"] = _auth_option(opts["auth"])
    if isinstance(opts.get("cookies"), Cookies):
        opts["cookies"] = opts["cookies"].jar()
    return opts


def _request_options(
    timeout: object, auth: object, follow_redirects: Optional[bool], decompress: bool = True, retries: object = None
) -> Tuple[Any, Optional[Dict[str, Any]]]:
    """A request's ``timeout`` (a float for the native call) and its other options by the
    core's names (``auth``, ``redirect``, ``retries``, ``timeout``/``read_timeout`` of a
    :class:`Timeout`)."""
    extra: Dict[str, Any] = {}
    if timeout is USE_CLIENT_DEFAULT:
        timeout = None
    elif timeout is None:
        extra["timeout"] = 0  # no limit, as in requests and httpx
    elif isinstance(timeout, Timeout):
        extra.update(timeout._options(None))
        timeout = None
    if auth is not None:
        extra["auth"] = _auth_option(auth)
    if follow_redirects is not None:
        extra["redirect"] = "follow" if follow_redirects else "manual"
    if retries is not None:
        extra["retries"] = retries  # the core's policy: a count or {"max": ..., "statuses": ...}
    if not decompress:
        extra["decompress"] = False  # the body as the server sent it (iter_raw())
    return timeout, (extra or None)


class Cookies(Mapping[str, str]):
    """A client's cookie jar (``Client(cookies=True)``), read as a mapping of name to value
    (the newest cookie of a name when several domains or paths have one).

    ``jar()`` is every cookie with its domain, path, flags and expiry (``expires``: Unix
    seconds, None for a session cookie), oldest first: persist it (``json.dump``) and start a
    client from it (``Client(cookies=saved)``). ``clear()`` empties the jar. Cookies are set by
    the servers' ``Set-Cookie`` (RFC 6265 rules, in the core) or given as such a list.
    """

    def __init__(self, client: _native.Client) -> None:
        self._client = client

    def jar(self) -> List[Dict[str, Any]]:
        got: Optional[List[Dict[str, Any]]] = self._client.cookies_json()
        return got or []

    def __getitem__(self, name: str) -> str:
        for cookie in reversed(self.jar()):
            if cookie["name"] == name:
                value: str = cookie["value"]
                return value
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(c["name"] for c in self.jar()))

    def __len__(self) -> int:
        return len(dict.fromkeys(c["name"] for c in self.jar()))

    def clear(self) -> None:
        """Removes every cookie."""
        self._client.clear_cookies()

    def __repr__(self) -> str:
        return f"<Cookies {dict(self)!r}>"


def _event_hooks(given: Optional[Mapping[str, Sequence[Callable[[Any], Any]]]]) -> Dict[str, List[Callable[[Any], Any]]]:
    """``event_hooks=`` as httpx takes it: ``{"request": [...], "response": [...]}``."""
    hooks: Dict[str, List[Callable[[Any], Any]]] = {"request": [], "response": []}
    for name, functions in (given or {}).items():
        if name not in hooks:
            raise _invalid(f"event_hooks: unknown event {name!r}", "The events are 'request' and 'response' (as httpx's).")
        hooks[name] = list(functions)
    return hooks


async def _maybe_await(value: Any) -> Any:
    import inspect as _inspect

    return await value if _inspect.isawaitable(value) else value


def _param_pairs(params: Any) -> List[Tuple[str, str]]:
    """``params`` as the query pairs the core sends (None dropped, True/False as "true"/"false")."""
    items = params.items() if isinstance(params, Mapping) else params
    out: List[Tuple[str, str]] = []
    for name, value in items:
        for v in value if isinstance(value, (list, tuple)) else [value]:
            if v is None:
                continue
            out.append((name, "true" if v is True else "false" if v is False else str(v)))
    return out


def _header_pairs(headers: Any) -> List[Tuple[str, str]]:
    if not headers:
        return []
    items = headers.items() if isinstance(headers, Mapping) else headers
    out: List[Tuple[str, str]] = []
    for name, value in items:
        for v in value if isinstance(value, (list, tuple)) else [value]:
            out.append((name, v))
    return out


def _body_bytes(data: Any, json: Any, content: Any, files: Any) -> Tuple[bytes, Optional[str]]:
    """The body a :class:`MockTransport`'s handler sees, and the content type it implies."""
    import json as _json
    from urllib.parse import urlencode

    if files is not None:
        raise _invalid(
            "files= through a MockTransport: the multipart body is made by the core as it is sent",
            "Test uploads against a server (the project's test kit), or check the handler's request.method/url only.",
        )
    if json is not None:
        return _json.dumps(json, separators=(",", ":"), ensure_ascii=False).encode(), "application/json"
    source = content if content is not None else data
    if source is None:
        return b"", None
    if isinstance(source, str):
        return source.encode(), "text/plain; charset=utf-8" if content is None else None
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), None
    if content is None and isinstance(source, (Mapping, list)):
        return urlencode(_param_pairs(source)).encode(), "application/x-www-form-urlencoded"
    if hasattr(source, "read"):
        piece = source.read()
        return (piece.encode() if isinstance(piece, str) else bytes(piece)), None
    return b"".join(c.encode() if isinstance(c, str) else bytes(c) for c in source), None


class MockTransport:
    """Answers a client's requests without a network, for tests of code that uses
    :class:`Client` / :class:`AsyncClient` (as httpx's ``MockTransport``)::

        def handler(request: tlsguard.Request) -> tlsguard.Response:
            assert request.url == "https://api.example/items?page=2"
            return tlsguard.Response(200, json={"items": []})

        client = tlsguard.Client(transport=tlsguard.MockTransport(handler))

    ``handler(request)`` gets a :class:`Request` (``method``, ``url`` joined to the client's
    ``base_url`` with ``params`` appended, ``headers``: the client's then the request's,
    ``content``: the body as bytes, JSON compact, forms URL-encoded) and returns a
    :class:`Response` (or raises, e.g. a :class:`NetworkError`, to simulate a failure); on an
    :class:`AsyncClient` it may be a coroutine function. ``stream()`` answers with that
    response, its body read from memory. Nothing reaches the core: no redirects, cookies, auth
    headers, retries or decompression happen, and ``files=`` is refused.
    """

    def __init__(self, handler: Callable[[Request], Any]) -> None:
        self.handler = handler

    def _handle(self, request: Request) -> Any:
        return self.handler(request)

    def __repr__(self) -> str:
        return f"MockTransport({self.handler!r})"


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
        timeout: Union[float, Timeout, None] = 30.0,
        connect_timeout: float = 10.0,
        max_redirects: int = 10,
        allow_http: bool = False,
        proxy: Optional[str] = None,
        http2: bool = False,
        keep_alive: bool = True,
        headers: Optional[Mapping[str, Union[str, Sequence[str]]]] = None,
        fetch_missing_intermediates: bool = False,
        aia_allow_private: bool = False,
        base_url: Optional[str] = None,
        auth: Optional[AuthInput] = None,
        cookies: Union[bool, Sequence[Mapping[str, Any]], Cookies] = False,
        retries: Union[int, Mapping[str, Any]] = 0,
        transport: Optional["MockTransport"] = None,
        event_hooks: Optional[Mapping[str, Sequence[Callable[[Any], Any]]]] = None,
        **other: Unpack[_MoreClientOptions],
    ) -> None:
        if transport is not None and not isinstance(transport, MockTransport):
            raise TypeError(f"transport: expected a tlsguard.MockTransport, got {type(transport).__name__}")
        hooks = _event_hooks(event_hooks)
        # Requests go straight to the core unless a mock transport or hooks are set (one check).
        self._special: Optional[Tuple[Optional[MockTransport], Dict[str, List[Callable[[Any], Any]]]]] = (
            (transport, hooks) if transport is not None or hooks["request"] or hooks["response"] else None
        )
        self._base_url = base_url
        self._default_headers = headers
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
            base_url=base_url,
            auth=auth,
            cookies=cookies,
            retries=retries,
        )
        opts.update(cast(Dict[str, Any], other))  # unknown names are refused by the core, with an explanation
        self._native = _native.Client(_client_options(opts))

    def _client(self) -> _native.Client:
        return self._native

    def _outgoing(
        self, method: str, url: str, params: Any, headers: Any, data: Any, json: Any, content: Any, files: Any, body: bool
    ) -> Request:
        """The request as a :class:`Request` for event hooks and a :class:`MockTransport`: the
        URL joined to ``base_url`` with ``params`` appended, the client's headers then the
        request's, and (``body``) the body as bytes."""
        from urllib.parse import urlencode, urljoin

        full = urljoin(self._base_url, url) if self._base_url else url
        if params:
            query = urlencode(_param_pairs(params))
            if query:
                full += ("&" if "?" in full else "?") + query
        pairs = list(_header_pairs(self._default_headers)) + list(_header_pairs(headers))
        raw = b""
        if body:
            raw, content_type = _body_bytes(data, json, content, files)
            if content_type and not any(n.lower() == "content-type" for n, _ in pairs):
                pairs.append(("content-type", content_type))
        return Request(method, full, headers=pairs, content=raw)

    def _special_send(
        self, method: str, url: str, params: Any, headers: Any, data: Any, json: Any, content: Any, files: Any,
        send: Callable[[], Any], streamed: Optional[Callable[[Response], Any]] = None,
    ) -> Any:
        """A request with event hooks or through a :class:`MockTransport` (``send``: the core's
        path; ``streamed``: how a mock's ``Response`` becomes the streamed response)."""
        assert self._special is not None
        transport, hooks = self._special
        request = self._outgoing(method, url, params, headers, data, json, content, files, transport is not None)
        for hook in hooks["request"]:
            hook(request)
        if transport is not None:
            response = transport._handle(request)
            if streamed is not None:
                response = streamed(response)
        else:
            response = send()
        for hook in hooks["response"]:
            hook(response)
        return response

    async def _special_send_async(
        self, method: str, url: str, params: Any, headers: Any, data: Any, json: Any, content: Any, files: Any,
        send: Callable[[], Any],
    ) -> Any:
        assert self._special is not None
        transport, hooks = self._special
        if transport is not None and content is not None and _is_async_iterable(content):
            content = b"".join([piece async for piece in content])
        request = self._outgoing(method, url, params, headers, data, json, content, files, transport is not None)
        for hook in hooks["request"]:
            await _maybe_await(hook(request))
        response = await _maybe_await(transport._handle(request) if transport is not None else send())
        for hook in hooks["response"]:
            await _maybe_await(hook(response))
        return response

    @property
    def closed(self) -> bool:
        """Whether the client was closed (later requests raise :class:`InvalidInput`)."""
        return self._native.closed

    def trust_report(self) -> TrustReport:
        """What this client trusts: every source loaded, with counts."""
        return self._client().trust_report()

    @property
    def cookies(self) -> Cookies:
        """The cookie jar (``Client(cookies=True)``; empty without one), as a mapping."""
        return Cookies(self._native)

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
        content: Optional[Content] = None,
        files: Optional[Files] = None,
        timeout: TimeoutInput = USE_CLIENT_DEFAULT,
        auth: Optional[AuthInput] = None,
        follow_redirects: Optional[bool] = None,
        retries: Optional[RetriesInput] = None,
        decompress: bool = True,
        verify: Optional[Literal[True]] = None,
        cert: None = None,
    ) -> Response:
        """Sends a request and reads the whole response (the GIL is released meanwhile).

        ``verify``/``cert`` exist to refuse requests' per-call TLS switches with an
        explanation: trust and the client certificate are the client's options."""
        if verify is not None or cert is not None:
            _refuse_tls_override(verify, cert)
        t, extra = _request_options(timeout, auth, follow_redirects, decompress, retries)
        if self._special is not None:
            response: Response = self._special_send(
                method, url, params, headers, data, json, content, files,
                lambda: self._client().request(method, url, params, headers, data, json, t, extra, content, files),
            )
            return response
        return self._client().request(method, url, params, headers, data, json, t, extra, content, files)

    def stream(
        self,
        method: str,
        url: str,
        *,
        params: Optional[Params] = None,
        headers: Optional[HeadersInput] = None,
        data: Optional[Data] = None,
        json: Any = None,
        content: Optional[Content] = None,
        files: Optional[Files] = None,
        timeout: TimeoutInput = USE_CLIENT_DEFAULT,
        auth: Optional[AuthInput] = None,
        follow_redirects: Optional[bool] = None,
        retries: Optional[RetriesInput] = None,
        decompress: bool = True,
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
        t, extra = _request_options(timeout, auth, follow_redirects, decompress, retries)
        if self._special is not None:
            streamed: StreamedResponse = self._special_send(
                method, url, params, headers, data, json, content, files,
                lambda: self._client().stream(method, url, params, headers, data, json, t, extra, content, files),
                _native.StreamedResponse.of,
            )
            return streamed
        return self._client().stream(method, url, params, headers, data, json, t, extra, content, files)

    def get(self, url: str, **kwargs: Unpack[_RequestKwargs]) -> Response:
        return self.request("GET", url, **kwargs)

    def head(self, url: str, **kwargs: Unpack[_RequestKwargs]) -> Response:
        return self.request("HEAD", url, **kwargs)

    def options(self, url: str, **kwargs: Unpack[_RequestKwargs]) -> Response:
        return self.request("OPTIONS", url, **kwargs)

    def post(self, url: str, **kwargs: Unpack[_RequestKwargs]) -> Response:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Unpack[_RequestKwargs]) -> Response:
        return self.request("PUT", url, **kwargs)

    def patch(self, url: str, **kwargs: Unpack[_RequestKwargs]) -> Response:
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Unpack[_RequestKwargs]) -> Response:
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


_END_OF_BODY: Any = object()


def _is_async_iterable(content: object) -> bool:
    """Whether ``content`` is sent as an async iterable (httpx's AsyncClient streams those)."""
    return hasattr(content, "__aiter__") and not hasattr(content, "read")


async def _next_piece(iterator: AsyncIterator[bytes]) -> Any:
    try:
        return await iterator.__anext__()
    except StopAsyncIteration:
        return _END_OF_BODY


def _pulled_from(source: Any, loop: asyncio.AbstractEventLoop) -> Iterator[bytes]:
    """An async iterable of bytes as the iterator the core's body reader pulls from (on one of
    its blocking threads): each piece is awaited on ``loop``, one at a time (so the upload goes
    at the pace the connection takes it), while the reader waits without the GIL."""
    import concurrent.futures

    iterator = source.__aiter__()
    while True:
        future = asyncio.run_coroutine_threadsafe(_next_piece(iterator), loop)
        while True:
            try:
                piece = future.result(timeout=1.0)
                break
            except concurrent.futures.TimeoutError:
                if loop.is_closed():  # nobody left to run the iterator
                    future.cancel()
                    raise RuntimeError("the event loop of this upload's async iterator was closed") from None
        if piece is _END_OF_BODY:
            return
        yield piece


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
        content: Optional[AsyncContent] = None,
        files: Optional[Files] = None,
        timeout: TimeoutInput = USE_CLIENT_DEFAULT,
        auth: Optional[AuthInput] = None,
        follow_redirects: Optional[bool] = None,
        retries: Optional[RetriesInput] = None,
        decompress: bool = True,
        verify: Optional[Literal[True]] = None,
        cert: None = None,
    ) -> Response:
        if verify is not None or cert is not None:
            _refuse_tls_override(verify, cert)
        t, extra = _request_options(timeout, auth, follow_redirects, decompress, retries)
        if self._special is not None:
            args = (method, url, params, headers, data, json, t, extra, content, files)
            result: Response = await self._special_send_async(
                method, url, params, headers, data, json, content, files, lambda: self._send(*args)
            )
            return result
        return await self._send(method, url, params, headers, data, json, t, extra, content, files)

    async def _send(
        self, method: str, url: str, params: Any, headers: Any, data: Any, json: Any, t: Any, extra: Any, content: Any, files: Any
    ) -> Response:
        loop, notifier = self._loop_and_notifier()
        done: asyncio.Future[Response] = loop.create_future()
        if content is not None and _is_async_iterable(content):
            content = _pulled_from(content, loop)
        request_id = self._native.start(notifier, loop, done, method, url, params, headers, data, json, t, extra, content, files)
        try:
            return await done
        except BaseException:  # cancelled (or the loop is going away): stop the request
            notifier.cancel(request_id)
            raise

    def _loop_and_notifier(self) -> Tuple[asyncio.AbstractEventLoop, _native.Notifier]:
        loop = asyncio.get_running_loop()
        bound = self._bound
        if bound is None or bound[0] is not loop:
            bound = self._bound = (loop, _notifier(loop))
        return bound

    def stream(
        self,
        method: str,
        url: str,
        *,
        params: Optional[Params] = None,
        headers: Optional[HeadersInput] = None,
        data: Optional[Data] = None,
        json: Any = None,
        content: Optional[AsyncContent] = None,
        files: Optional[Files] = None,
        timeout: TimeoutInput = USE_CLIENT_DEFAULT,
        auth: Optional[AuthInput] = None,
        follow_redirects: Optional[bool] = None,
        retries: Optional[RetriesInput] = None,
        decompress: bool = True,
        verify: Optional[Literal[True]] = None,
        cert: None = None,
    ) -> "_AsyncStreamContext":
        """``async with client.stream("GET", url) as r: async for chunk in r.aiter_bytes(): ...``
        (as httpx's): the response at its headers, the body read as it arrives (each chunk
        handed to the loop as a finished request is), never held whole. Leaving the block early
        closes the connection."""
        if verify is not None or cert is not None:
            _refuse_tls_override(verify, cert)
        t, extra = _request_options(timeout, auth, follow_redirects, decompress, retries)
        return _AsyncStreamContext(self, (method, url, params, headers, data, json, t, extra, content, files))

    async def get(self, url: str, **kwargs: Unpack[_AsyncRequestKwargs]) -> Response:
        return await self.request("GET", url, **kwargs)

    async def head(self, url: str, **kwargs: Unpack[_AsyncRequestKwargs]) -> Response:
        return await self.request("HEAD", url, **kwargs)

    async def options(self, url: str, **kwargs: Unpack[_AsyncRequestKwargs]) -> Response:
        return await self.request("OPTIONS", url, **kwargs)

    async def post(self, url: str, **kwargs: Unpack[_AsyncRequestKwargs]) -> Response:
        return await self.request("POST", url, **kwargs)

    async def put(self, url: str, **kwargs: Unpack[_AsyncRequestKwargs]) -> Response:
        return await self.request("PUT", url, **kwargs)

    async def patch(self, url: str, **kwargs: Unpack[_AsyncRequestKwargs]) -> Response:
        return await self.request("PATCH", url, **kwargs)

    async def delete(self, url: str, **kwargs: Unpack[_AsyncRequestKwargs]) -> Response:
        return await self.request("DELETE", url, **kwargs)

    async def aclose(self) -> None:
        """Closes the pooled connections; later requests raise :class:`InvalidInput`."""
        self._native.close()

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class AsyncStreamedResponse:
    """A streamed response for asyncio (``AsyncClient.stream()``): the head now, the body as it
    arrives (``aiter_bytes()``, ``aiter_text()``, ``aiter_lines()``, ``aiter_raw()``,
    ``aread()``). Chunks already arrived are taken without a wait; the next one is read on the
    core's runtime and handed to the loop like a finished request."""

    def __init__(self, native: _native.AsyncStream, loop: asyncio.AbstractEventLoop, notifier: _native.Notifier) -> None:
        self._native = native
        self._loop = loop
        self._notifier = notifier
        self._pending = b""
        self._encoding: Optional[str] = None

    @property
    def status_code(self) -> int:
        return self._native.status_code

    @property
    def reason(self) -> str:
        return self._native.reason

    @property
    def url(self) -> str:
        return self._native.url

    @property
    def http_version(self) -> str:
        return self._native.http_version

    @property
    def body_decoded(self) -> bool:
        """Whether tlsguard decodes the body from its ``Content-Encoding`` (said of the headers; they are kept as received)."""
        return self._native.body_decoded

    @property
    def headers(self) -> Headers:
        return self._native.headers

    @property
    def cookies(self) -> Dict[str, str]:
        """The cookies this response set (its ``Set-Cookie`` headers), name to value."""
        return self._native.cookies

    @property
    def tls_version(self) -> Optional[str]:
        return self._native.tls_version

    @property
    def cipher_suite(self) -> Optional[str]:
        return self._native.cipher_suite

    @property
    def alpn(self) -> Optional[str]:
        return self._native.alpn

    @property
    def tls_warnings(self) -> List[str]:
        return self._native.tls_warnings

    @property
    def peer_certificates(self) -> List[Certificate]:
        return self._native.peer_certificates

    @property
    def ok(self) -> bool:
        return self._native.status_code < 400

    @property
    def is_success(self) -> bool:
        return 200 <= self._native.status_code < 300

    @property
    def is_error(self) -> bool:
        return 400 <= self._native.status_code < 600

    @property
    def is_closed(self) -> bool:
        return self._native.is_closed and not self._pending

    @property
    def encoding(self) -> str:
        """As :attr:`Response.encoding`; settable before reading text."""
        return self._encoding or self._native.charset_encoding

    @encoding.setter
    def encoding(self, value: Optional[str]) -> None:
        if value is not None:
            import codecs

            codecs.lookup(value)  # LookupError for a codec Python does not know
        self._encoding = value

    def raise_for_status(self) -> "AsyncStreamedResponse":
        self._native.raise_for_status()
        return self

    async def _next(self, size: int) -> bytes:
        """The next piece of the body (at most ``size`` bytes; 0: as it comes), ``b""`` at the end."""
        if self._pending:
            piece = self._pending[:size] if size else self._pending
            self._pending = self._pending[len(piece) :]
            return piece
        ready = self._native.ready(size)
        if ready is not None:
            piece = ready
        else:
            done: asyncio.Future[bytes] = self._loop.create_future()
            pull_id = self._native.pull(self._notifier, self._loop, done)
            try:
                piece = await done
            except BaseException:  # cancelled: stop the read (the connection is closed)
                self._notifier.cancel(pull_id)
                self._native.close()
                raise
        if size and len(piece) > size:
            piece, self._pending = piece[:size], piece[size:]
        return piece

    async def aiter_bytes(self, chunk_size: Optional[int] = None) -> AsyncIterator[bytes]:
        """The decoded body, in pieces as they arrive (at most ``chunk_size`` bytes each)."""
        if chunk_size is not None and chunk_size <= 0:
            raise _invalid("chunk_size must be a positive number of bytes")
        while True:
            piece = await self._next(chunk_size or 0)
            if not piece:
                return
            yield piece

    async def aiter_raw(self, chunk_size: Optional[int] = None) -> AsyncIterator[bytes]:
        """The body as the server sent it: only for a stream opened with ``decompress=False``
        (see :meth:`StreamedResponse.iter_raw`)."""
        if not self._native.raw:
            raise _invalid(
                "aiter_raw(): this stream is decoded as it is read; open it with client.stream(..., "
                "decompress=False) to read the bytes as the server sent them (or use aiter_bytes())"
            )
        async for piece in self.aiter_bytes(chunk_size):
            yield piece

    async def aiter_text(self, chunk_size: Optional[int] = None) -> AsyncIterator[str]:
        """The body as text, decoded with :attr:`encoding` as it arrives."""
        import codecs

        decoder = codecs.getincrementaldecoder(self.encoding)("replace")
        async for piece in self.aiter_bytes(chunk_size):
            text = decoder.decode(piece)
            if text:
                yield text
        text = decoder.decode(b"", True)
        if text:
            yield text

    async def aiter_lines(self) -> AsyncIterator[str]:
        """The body's lines, split as ``str.splitlines()`` (as httpx's)."""
        buffer = ""
        async for text in self.aiter_text():
            buffer += text
            hold = buffer.endswith("\r")  # maybe the first half of \r\n
            if hold:
                buffer = buffer[:-1]
            parts = buffer.splitlines(keepends=True)
            buffer = parts.pop() if parts and parts[-1].splitlines()[0] == parts[-1] else ""
            for part in parts:
                yield part.splitlines()[0]
            if hold:
                buffer += "\r"
        for part in buffer.splitlines():
            yield part

    async def aread(self) -> bytes:
        """The rest of the body."""
        return b"".join([piece async for piece in self.aiter_bytes()])

    async def aclose(self) -> None:
        """Stops reading: the connection is closed unless the body was read to its end."""
        self._pending = b""
        self._native.close()

    def __repr__(self) -> str:
        return f"<AsyncStreamedResponse [{self.status_code}]>"


class _AsyncStreamContext:
    """What :meth:`AsyncClient.stream` returns: ``async with`` it for the response."""

    def __init__(self, client: AsyncClient, args: Tuple[Any, ...]) -> None:
        self._client = client
        self._args = args
        self._response: Optional[AsyncStreamedResponse] = None

    async def __aenter__(self) -> AsyncStreamedResponse:
        loop, notifier = self._client._loop_and_notifier()
        args = self._args
        special = self._client._special
        if special is None:
            self._response = await self._start(loop, notifier, args)
            return self._response
        mock, hooks = special
        content = args[8]
        if mock is not None and content is not None and _is_async_iterable(content):
            content = b"".join([piece async for piece in content])
        outgoing = self._client._outgoing(
            args[0], args[1], args[2], args[3], args[4], args[5], content, args[9], mock is not None
        )
        for hook in hooks["request"]:
            await _maybe_await(hook(outgoing))
        if mock is not None:
            # A MockTransport's Response, as a stream read from memory.
            answered = await _maybe_await(mock._handle(outgoing))
            self._response = AsyncStreamedResponse(_native.AsyncStream.of(answered), loop, notifier)
            self._response._pending = answered.content
        else:
            self._response = await self._start(loop, notifier, args)
        for hook in hooks["response"]:
            await _maybe_await(hook(self._response))
        return self._response

    async def _start(
        self, loop: asyncio.AbstractEventLoop, notifier: _native.Notifier, args: Tuple[Any, ...]
    ) -> AsyncStreamedResponse:
        done: asyncio.Future[_native.AsyncStream] = loop.create_future()
        if args[8] is not None and _is_async_iterable(args[8]):
            args = args[:8] + (_pulled_from(args[8], loop),) + args[9:]
        request_id = self._client._native.start_stream(notifier, loop, done, *args)
        try:
            native = await done
        except BaseException:
            notifier.cancel(request_id)
            raise
        return AsyncStreamedResponse(native, loop, notifier)

    async def __aexit__(self, *exc: object) -> None:
        if self._response is not None:
            await self._response.aclose()


def request(
    method: str,
    url: str,
    *,
    params: Optional[Params] = None,
    headers: Optional[HeadersInput] = None,
    data: Optional[Data] = None,
    json: Any = None,
    content: Optional[Content] = None,
    files: Optional[Files] = None,
    auth: Optional[AuthInput] = None,
    follow_redirects: Optional[bool] = None,
    retries: Optional[RetriesInput] = None,
    verify: Optional[Literal[True]] = None,
    cert: None = None,
    **options: Unpack[_ClientOptions],
) -> Response:
    """One request with a client shared by the one-off calls that pass the same ``options``
    (the Client's options): a loop of ``tlsguard.get(url)`` reuses connections and TLS
    sessions. Up to 8 option sets are kept (the least recently used is closed first); each
    client is rebuilt after 5 minutes, so a changed ``ca_file`` is read again; idle
    connections close after ``pool_idle_timeout`` (90 s). :func:`close_shared_clients` closes
    them all. Options with ``cookies`` get a client of their own per call."""
    if verify is not None or cert is not None:
        _refuse_tls_override(verify, cert)
    client = _native.Client.shared(_client_options(dict(options)))
    _, extra = _request_options(USE_CLIENT_DEFAULT, auth, follow_redirects, True, retries)
    return client.request(method, url, params, headers, data, json, None, extra, content, files)


def close_shared_clients() -> None:
    """Closes the clients one-off calls (``tlsguard.get()`` etc.) share, with their pooled
    connections; the next one-off call makes a new one. Requests in flight finish."""
    _native.Client.close_shared()


def get(url: str, **kwargs: Unpack[_OneOffKwargs]) -> Response:
    return request("GET", url, **kwargs)


def head(url: str, **kwargs: Unpack[_OneOffKwargs]) -> Response:
    return request("HEAD", url, **kwargs)


def options(url: str, **kwargs: Unpack[_OneOffKwargs]) -> Response:
    return request("OPTIONS", url, **kwargs)


def post(url: str, **kwargs: Unpack[_OneOffKwargs]) -> Response:
    return request("POST", url, **kwargs)


def put(url: str, **kwargs: Unpack[_OneOffKwargs]) -> Response:
    return request("PUT", url, **kwargs)


def patch(url: str, **kwargs: Unpack[_OneOffKwargs]) -> Response:
    return request("PATCH", url, **kwargs)


def delete(url: str, **kwargs: Unpack[_OneOffKwargs]) -> Response:
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


class Verifier:
    """A prepared chain verifier: the trust loaded once, then :meth:`verify` per chain.

    Takes :func:`verify_chain`'s trust and policy options; the host name and the validation
    time are arguments of each :meth:`verify`, as with pyca's
    ``PolicyBuilder().store(store).build_server_verifier(subject)``, except that one
    verifier serves every host name. For many chains it saves loading the trust each time::

        verifier = tlsguard.Verifier(roots="none", ca_file="ca.pem")
        report = verifier.verify(chain_pem, "example.com")
    """

    __slots__ = ("_native",)

    def __init__(
        self,
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
    ) -> None:
        self._native = _native.Verifier(
            dict(
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
        )

    def verify(
        self,
        chain: Union[str, bytes, Certificate, Sequence[Certificate]],
        hostname: Optional[str] = None,
        at: Optional[Time] = None,
    ) -> ChainReport:
        """:func:`verify_chain`'s report for ``chain`` (leaf first), for ``hostname`` (not
        checked when None) at ``at`` (a datetime or Unix seconds; default now)."""
        return self._native.verify(chain, hostname, at)

    def __repr__(self) -> str:
        return repr(self._native)


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
