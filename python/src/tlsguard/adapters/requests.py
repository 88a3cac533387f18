"""A requests transport adapter that sends through tlsguard.

    import requests
    from tlsguard.adapters.requests import TlsGuardAdapter

    session = requests.Session()
    session.mount("https://", TlsGuardAdapter(ca_file="ca.pem"))

``TlsGuardAdapter(**options)`` takes the options of :class:`tlsguard.Client` (``roots``,
``ca_file``, ``pins``, ``client_cert``/``client_key``, ``proxy``, ``timeout``,
``connect_timeout``, ...) and owns one tlsguard client (thread-safe, pooled) until
``close()`` (``session.close()`` closes it). Behaviour:

- **One hop per send.** The tlsguard client has ``max_redirects=0``; requests follows redirects
  (``session.max_redirects``, ``allow_redirects=``) with its own logic, calling the adapter
  once per hop. A redirect from https:// to http:// is refused by the adapter itself
  (``requests.exceptions.InvalidSchema`` caused by a ``tlsguard.PolicyError`` with code
  ``HTTP_DOWNGRADE``), because requests would send the http:// hop through whichever adapter
  is mounted for ``http://`` (also with ``allow_redirects=False``: the adapter cannot tell).
  ``max_redirects`` and ``allow_http=True`` are refused.
- **No per-request TLS overrides.** ``verify=False`` (or any other false value),
  ``verify="/path"`` and ``cert=`` raise :class:`tlsguard.InvalidInput`: the adapter's options
  decide what is trusted (``ca_file``, ``pins``, ``client_cert``), and a caller who meant "trust
  only this CA" must not silently get the adapter's roots instead. The one exception: the path
  requests takes from the environment (``REQUESTS_CA_BUNDLE``, else ``CURL_CA_BUNDLE``, passed
  on every call when ``trust_env`` is on) is not used and not refused: pass it as
  ``TlsGuardAdapter(ca_file=...)`` to trust it (a certificate error then says so). An explicit
  ``verify=`` equal to that path cannot be told apart from it.
- **Proxies**: a proxy requests would use for the URL raises :class:`tlsguard.InvalidInput`
  (configure ``TlsGuardAdapter(proxy=...)``), unless it is the one the environment
  (``HTTPS_PROXY``/``NO_PROXY``) gives, which tlsguard reads itself when ``proxy`` is not set.
- **Timeout**: tlsguard has one deadline per request. ``timeout=t`` and the read part of
  ``timeout=(connect, read)`` become that deadline; the connect phase is bounded by the
  adapter's ``connect_timeout``. ``None`` means the adapter's ``timeout`` (default 30 s).
- **Bodies**: a request body given as a file object or an iterator (requests' streamed
  uploads) is streamed (a file with its length, an iterator chunked, as requests sends them).
  The response is read whole, unless ``stream=True``: then ``iter_content(chunk_size)``,
  ``iter_lines()`` and ``response.raw.read(n)`` read it as it arrives (never held whole;
  ``response.content`` reads the rest), and the read timeout is also the longest wait for the
  body's next bytes. ``response.close()`` before the end closes the connection. The body is
  already decoded: see :func:`tlsguard.adapters.response_headers` for how ``Content-Encoding`` /
  ``Content-Length`` are rewritten. ``response.headers`` joins repeated headers with ``", "``
  like requests does; ``response.raw.headers.getlist(name)`` has every value, and cookies
  (every ``Set-Cookie``) go to ``response.cookies`` and the session's jar.
- **Retries**: ``TlsGuardAdapter(max_retries=3)`` or ``max_retries=urllib3.Retry(...)``, as
  ``HTTPAdapter``'s, becomes the tlsguard client's retry policy (see :func:`retries_option`),
  so mounting the adapter keeps a session's retries. ``retries=`` (the core's policy) wins.
- ``response.tlsguard_response`` is the :class:`tlsguard.Response` (TLS version, cipher suite,
  peer certificates, ...).

Errors are requests' exception types, chained to the tlsguard error (``raise ... from e``) and
also available as ``err.tlsguard_error``; see :data:`ERROR_MAP`.
"""

from __future__ import annotations

import io
import os
from http.client import HTTPMessage
from typing import Any, Dict, List, Mapping, Optional, Tuple, Type, Union, cast

try:
    import requests  # type: ignore[import-untyped, import-not-found, unused-ignore]
    from requests.adapters import BaseAdapter  # type: ignore[import-untyped, import-not-found, unused-ignore]
    from requests.cookies import extract_cookies_to_jar  # type: ignore[import-untyped, import-not-found, unused-ignore]
    from requests.exceptions import (  # type: ignore[import-untyped, import-not-found, unused-ignore]
        ConnectionError,
        InvalidSchema,
        InvalidURL,
        ReadTimeout,
        RequestException,
        SSLError,
        TooManyRedirects,
    )
    from requests.structures import CaseInsensitiveDict  # type: ignore[import-untyped, import-not-found, unused-ignore]
    from requests.utils import (  # type: ignore[import-untyped, import-not-found, unused-ignore]
        get_encoding_from_headers,
        get_environ_proxies,
        select_proxy,
    )
    from urllib3 import HTTPResponse  # type: ignore[import-untyped, import-not-found, unused-ignore]
    from urllib3._collections import HTTPHeaderDict  # type: ignore[import-untyped, import-not-found, unused-ignore]
except ImportError as e:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError(
        "tlsguard.adapters.requests needs the 'requests' package: pip install tlsguard[requests]"
    ) from e

from .. import USE_CLIENT_DEFAULT, Client, Response, StreamedResponse, Timeout, _UseClientDefault
from ..exceptions import (
    CertificateError,
    HTTPProtocolError,
    NetworkError,
    PolicyError,
    RequestTimeout,
    TLSHandshakeError,
    TlsGuardError,
)
from . import client_options, downgrade_error, invalid, no_body, request_headers, response_headers

__all__ = ["TlsGuardAdapter", "ERROR_MAP"]

#: tlsguard error -> requests exception. An entry is an error ``code`` or a tlsguard
#: exception class (the error's category); the first entry that matches wins. Anything else is a
#: ``requests.exceptions.RequestException``.
#:
#: TIMEOUT is always ``ReadTimeout``: tlsguard's timeout is one deadline for the whole request
#: (its connect phase has its own ``connect_timeout``), and the error does not say which one
#: expired other than in its message. ``except requests.Timeout`` catches it.
ERROR_MAP: List[Tuple[Union[str, Type[TlsGuardError]], Type[RequestException]]] = [
    ("INSECURE_URL", InvalidSchema),
    ("HTTP_DOWNGRADE", InvalidSchema),
    ("TOO_MANY_REDIRECTS", TooManyRedirects),
    ("INVALID_URL", InvalidURL),
    (CertificateError, SSLError),
    (TLSHandshakeError, SSLError),
    (NetworkError, ConnectionError),  # DNS, CONNECT
    (RequestTimeout, ReadTimeout),
    (HTTPProtocolError, ConnectionError),  # what requests raises for urllib3's ProtocolError
    (PolicyError, RequestException),  # RESPONSE_TOO_LARGE
]


def _matches(error: TlsGuardError, key: Union[str, Type[TlsGuardError]]) -> bool:
    return error.code == key if isinstance(key, str) else isinstance(error, key)


def translate_error(error: TlsGuardError, request: Any = None) -> RequestException:
    """The requests exception for a tlsguard error (with ``tlsguard_error`` set; not chained)."""
    cls = next((peer for key, peer in ERROR_MAP if _matches(error, key)), RequestException)
    text = str(error)
    if error.hint:
        text += f" (hint: {error.hint})"
    exc = cls(text, request=request)
    exc.tlsguard_error = error  # type: ignore[attr-defined, unused-ignore]
    return exc


class _OriginalResponse:
    """What requests' cookie handling reads from ``raw._original_response`` (``msg``)."""

    def __init__(self, msg: HTTPMessage, status: int, reason: str, version: int) -> None:
        self.msg = msg
        self.status = status
        self.reason = reason
        self.version = version

    def isclosed(self) -> bool:
        return True

    def close(self) -> None:
        pass


class TlsGuardAdapter(BaseAdapter):  # type: ignore[misc, unused-ignore]  # (BaseAdapter is Any without stubs)
    """A ``requests`` adapter sending every request through one :class:`tlsguard.Client`.

    ``TlsGuardAdapter(**options)``: the options of :class:`tlsguard.Client`, except
    ``max_redirects`` (requests follows redirects) and ``allow_http=True``.
    """

    def __init__(self, max_retries: Any = 0, **options: Any) -> None:
        super().__init__()
        opts = client_options(
            "TlsGuardAdapter", "requests", "session.max_redirects, or allow_redirects=False", options
        )
        self._proxy: Optional[str] = options.get("proxy")
        #: As given (an int or a ``urllib3.Retry``), as ``HTTPAdapter.max_retries``.
        self.max_retries = max_retries
        if "retries" not in opts:
            opts["retries"] = retries_option(max_retries)
        self.client = Client(**opts)

    # -- requests' adapter interface -------------------------------------------------------

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Union[None, float, Tuple[Optional[float], Optional[float]], Any] = None,
        verify: Union[bool, str] = True,
        cert: Any = None,
        proxies: Optional[Mapping[str, str]] = None,
    ) -> requests.Response:
        self._check_tls(verify, cert)
        self._check_proxies(request.url, proxies)
        url = request.url or ""
        method = request.method or "GET"
        streamed = stream and method.upper() != "HEAD"
        try:
            args: Dict[str, Any] = dict(
                headers=request_headers(request.headers.items()),
                content=_body(request.body),
                timeout=_read_timeout(timeout, streamed),
            )
            native: Union[Response, StreamedResponse] = (
                self.client.stream(method, url, **args) if streamed else self.client.request(method, url, **args)
            )
        except TlsGuardError as e:
            exc = translate_error(e, request)
            if isinstance(e, CertificateError) and _from_environment(verify):
                exc.args = (
                    f"{exc.args[0]} (note: verify={os.fsdecode(cast(str, verify))!r} from REQUESTS_CA_BUNDLE/"
                    "CURL_CA_BUNDLE is not used by TlsGuardAdapter: pass it as TlsGuardAdapter(ca_file=...) "
                    "to trust it)",
                ) + exc.args[1:]
            raise exc from e
        downgrade = downgrade_error(url, native.status_code, native.headers)
        if downgrade is not None:
            if isinstance(native, StreamedResponse):
                native.close()
            raise translate_error(downgrade, request) from downgrade
        if isinstance(native, StreamedResponse):
            return self.build_streamed_response(request, native)
        return self.build_response(request, native)

    def close(self) -> None:
        self.client.close()

    # -- helpers ---------------------------------------------------------------------------

    def build_response(self, request: requests.PreparedRequest, native: Response) -> requests.Response:
        """A ``requests.Response`` from a tlsguard one (the body already read and decoded)."""
        content = native.content
        headers = response_headers(native.headers.multi_items(), content, native.body_decoded)
        response = self._response(request, native, headers, io.BytesIO(content))
        response._content = content
        response._content_consumed = True
        response.tlsguard_response = native
        r: requests.Response = response
        return r

    def build_streamed_response(self, request: requests.PreparedRequest, native: StreamedResponse) -> requests.Response:
        """A ``requests.Response`` whose body is read as it arrives (``stream=True``): ``raw``
        reads from the tlsguard stream (decoded), so ``iter_content()``, ``iter_lines()`` and
        ``raw.read()`` stream; ``content`` reads the rest."""
        headers = response_headers(
            native.headers.multi_items(), None, native.body_decoded, no_body(request.method or "GET", native.status_code)
        )
        response = self._response(request, native, headers, _StreamedBody(native, request))
        response.tlsguard_response = native
        r: requests.Response = response
        return r

    def _response(
        self, request: requests.PreparedRequest, native: Union[Response, StreamedResponse], headers: List[Tuple[str, str]], body: Any
    ) -> Any:
        raw_headers = HTTPHeaderDict()
        msg = HTTPMessage()
        for name, value in headers:
            raw_headers.add(name, value)
            msg[name] = value  # appends: repeated headers are all kept
        version = 20 if native.http_version == "HTTP/2" else 11
        raw = HTTPResponse(
            body=body,
            headers=raw_headers,
            status=native.status_code,
            version=version,
            reason=native.reason,
            preload_content=False,
            decode_content=False,
            original_response=cast(Any, _OriginalResponse(msg, native.status_code, native.reason, version)),
            enforce_content_length=False,
            request_method=request.method,
            request_url=request.url,
        )
        response: Any = requests.Response()  # Any: it gets private fields set
        response.status_code = native.status_code
        response.headers = CaseInsensitiveDict(raw_headers)
        response.encoding = get_encoding_from_headers(response.headers)
        response.raw = raw
        response.reason = native.reason
        response.url = request.url or ""
        response.request = request
        response.connection = self
        if isinstance(native, Response):
            response.elapsed = native.elapsed  # Session.send replaces it with its own clock
        extract_cookies_to_jar(response.cookies, request, raw)  # type: ignore[no-untyped-call, unused-ignore]
        return response

    def _check_tls(self, verify: Any, cert: Any) -> None:
        if verify is True or verify is None or _from_environment(verify):
            pass
        elif isinstance(verify, (str, bytes, os.PathLike)) and verify:
            path = os.fsdecode(verify)
            raise invalid(
                f"verify={path!r}: the adapter decides what is trusted, not the request (in requests "
                "this path would replace the trusted CAs; here it would be ignored)",
                f"Pass the CA file to the adapter: TlsGuardAdapter(ca_file={path!r}) (add roots='none' "
                "to trust only that CA).",
            )
        else:
            raise invalid(
                f"verify={verify!r}: tlsguard has no switch to turn certificate verification off",
                "To trust a self-signed certificate, pin its key: TlsGuardAdapter(roots='none', "
                "pins=['sha256/...']); to trust your own CA: TlsGuardAdapter(ca_file='ca.pem').",
            )
        if cert is not None:
            raise invalid(
                "cert=...: the adapter holds the client certificate, not the request",
                "Pass it to the adapter: TlsGuardAdapter(client_cert='cert.pem', client_key='key.pem').",
            )

    def _check_proxies(self, url: Optional[str], proxies: Optional[Mapping[str, str]]) -> None:
        if not proxies or not url:
            return
        proxy = select_proxy(url, dict(proxies))
        if not proxy:
            return
        if self._proxy is not None:
            if proxy == self._proxy:
                return
        elif proxy == select_proxy(url, get_environ_proxies(url)):
            return  # HTTPS_PROXY & co.: tlsguard reads the environment itself
        raise invalid(
            f"requests would send {url} through the proxy {proxy}, but the adapter does not take "
            "per-request proxies",
            "Configure the proxy on the adapter: TlsGuardAdapter(proxy='http://host:port'), and "
            "leave session.proxies / proxies= empty.",
        )

    def __repr__(self) -> str:
        return f"<TlsGuardAdapter {'closed' if self.client.closed else 'open'}>"


def _from_environment(verify: Any) -> bool:
    """Whether ``verify`` is the path requests takes from the environment (``trust_env``):
    ``REQUESTS_CA_BUNDLE``, else ``CURL_CA_BUNDLE``, as ``Session.merge_environment_settings``
    picks it."""
    if not isinstance(verify, (str, bytes, os.PathLike)):
        return False
    env = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    return bool(env) and os.fsdecode(verify) == env


#: Every method, for a ``urllib3.Retry`` whose ``allowed_methods`` is None ("retry any verb").
_ALL_METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "POST", "PATCH"]


def retries_option(max_retries: Any) -> Any:
    """requests' ``HTTPAdapter(max_retries=...)`` as the core's ``retries`` policy.

    An int ``n`` is what requests makes of it (``Retry(n, read=False)``): up to ``n`` retries of
    a connection that could not be made, none for a status, no wait between them. A
    ``urllib3.Retry`` maps ``total`` (else ``connect``) to ``max``, ``status_forcelist`` to
    ``statuses``, ``allowed_methods`` to ``methods``, ``backoff_factor`` and ``backoff_max`` to
    ``backoff`` and ``max_backoff``. What the core never retries stays so: certificate and TLS
    failures, and a request that was sent and got no answer (urllib3's ``read`` retries).
    """
    if max_retries is None or max_retries is False:
        return 0
    if isinstance(max_retries, int):
        return {"max": max_retries, "statuses": [], "backoff": 0} if max_retries else 0
    total = getattr(max_retries, "total", None)
    count = total if isinstance(total, int) and not isinstance(total, bool) else getattr(max_retries, "connect", None)
    if not isinstance(count, int) or isinstance(count, bool) or count <= 0:
        return 0
    methods = getattr(max_retries, "allowed_methods", None)
    return {
        "max": count,
        "statuses": sorted(getattr(max_retries, "status_forcelist", None) or []),
        # (TRACE, in urllib3's default list, is a method tlsguard never sends)
        "methods": _ALL_METHODS if methods is None else sorted(m.upper() for m in methods if m.upper() in _ALL_METHODS),
        "backoff": float(getattr(max_retries, "backoff_factor", 0) or 0),
        "max_backoff": min(float(getattr(max_retries, "backoff_max", 120) or 0), 3600.0),
    }


def _read_timeout(timeout: Any, streamed: bool = False) -> Union[float, Timeout, _UseClientDefault]:
    """tlsguard's per-request deadline from requests' ``timeout`` (see the module docstring);
    for a streamed body (``stream=True``) also the longest wait for its next bytes."""
    if timeout is None:
        return USE_CLIENT_DEFAULT
    if isinstance(timeout, tuple):
        if len(timeout) != 2:
            raise ValueError(f"timeout must be a float or a (connect, read) tuple, not {timeout!r}")
        read = timeout[1]
    else:
        read = getattr(timeout, "read_timeout", timeout)  # urllib3.Timeout
    if read is None or not isinstance(read, (int, float)):
        return USE_CLIENT_DEFAULT
    return Timeout(float(read), read=float(read)) if streamed else float(read)


def _body(body: Any) -> Any:
    """The request body as tlsguard's ``content=`` takes it (None for none): bytes and text as
    they are, a file object or an iterator (requests' streamed uploads) streamed."""
    if body is None or isinstance(body, (bytes, bytearray, memoryview, str)) or hasattr(body, "read"):
        return body if body != b"" and body != "" else None
    return (c.encode("utf-8") if isinstance(c, str) else bytes(c) for c in body)


class _StreamedBody:
    """A file-like object over a tlsguard :class:`~tlsguard.StreamedResponse`, as the
    ``urllib3.HTTPResponse`` of a ``stream=True`` response reads it. Errors are what a socket
    raises (urllib3 and requests turn them into their own), chained to the tlsguard error."""

    def __init__(self, stream: StreamedResponse, request: Any) -> None:
        self._stream: Optional[StreamedResponse] = stream
        self._request = request

    def read(self, amt: Optional[int] = None) -> bytes:
        stream = self._stream
        if stream is None:
            return b""
        try:
            data = stream.read(-1 if amt is None else amt)
        except RequestTimeout:
            self.close()
            raise  # a TimeoutError: urllib3's ReadTimeoutError, requests' ConnectionError, as for a socket
        except TlsGuardError as e:
            self.close()
            # An OSError: urllib3's ProtocolError ("Connection broken"), requests'
            # ChunkedEncodingError, as for a connection broken mid-body.
            raise OSError(f"{e} (hint: {e.hint})" if e.hint else str(e)) from e
        if not data and amt != 0:
            self.close()
        return data

    def read1(self, amt: Optional[int] = None) -> bytes:
        return self.read(amt)

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readable(self) -> bool:
        return True

    def isclosed(self) -> bool:
        return self._stream is None

    @property
    def closed(self) -> bool:
        return self._stream is None

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()  # the connection is closed unless the body was read to its end
            self._stream = None

    def flush(self) -> None:
        pass
