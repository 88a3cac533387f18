"""tlsguard's exceptions: one base class, one class per error category.

The native module raises these (``tlsguard._native`` imports this module); which class an
error gets is decided by its category in one table, ``bindings/python/src/errors.rs``.
Every error has a stable ``code`` (the same string in every language tlsguard supports).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

__all__ = [
    "TlsGuardError",
    "CertificateError",
    "TLSHandshakeError",
    "NetworkError",
    "RequestTimeout",
    "PolicyError",
    "HTTPProtocolError",
    "InvalidInput",
    "InternalError",
]


class TlsGuardError(Exception):
    """Base class of every tlsguard error.

    ``str(e)`` is ``"CODE: message"``; ``code`` is stable (see ``tests/errors.json``),
    ``message`` names the certificate and the fact, ``hint`` says whose side must fix what,
    ``chain`` is the chain the server presented (list of ``Certificate``, possibly empty),
    ``url`` the URL of the request (or None), ``trust_sources`` what was trusted,
    ``detail`` the facts the message names, as a dict (keys per code in the error catalogue;
    times are aware UTC ``datetime``), or None. An underlying OS error is the ``__cause__``.
    """

    code: str
    category: str
    message: str
    hint: str
    url: Optional[str]
    chain: List[Any]
    trust_sources: List[str]
    detail: Optional[Dict[str, Any]]

    def __init__(
        self,
        text: str = "",
        *,
        code: str = "",
        category: str = "",
        message: Optional[str] = None,
        hint: str = "",
        url: Optional[str] = None,
        chain: Sequence[Any] = (),
        trust_sources: Sequence[str] = (),
        detail: Optional[Dict[str, Any]] = None,
    ) -> None:
        super().__init__(text)
        self.code = code
        self.category = category
        self.message = text if message is None else message
        self.hint = hint
        self.url = url
        self.chain = list(chain)
        self.trust_sources = list(trust_sources)
        self.detail = None if detail is None else dict(detail)

    def __reduce__(self) -> Any:
        # Keyword-only fields survive pickling (multiprocessing, concurrent.futures).
        return (_rebuild, (type(self), self.args[0] if self.args else "", self._fields()))

    def _fields(self) -> Dict[str, Any]:
        return {
            "code": self.code,
            "category": self.category,
            "message": self.message,
            "hint": self.hint,
            "url": self.url,
            "chain": self.chain,
            "trust_sources": self.trust_sources,
            "detail": self.detail,
        }


def _rebuild(cls: "type[TlsGuardError]", text: str, fields: Dict[str, Any]) -> TlsGuardError:
    return cls(text, **fields)


class CertificateError(TlsGuardError):
    """The server's certificate chain was refused (``CERT_*``)."""


class TLSHandshakeError(TlsGuardError):
    """The TLS handshake failed (``TLS_*``)."""


class NetworkError(TlsGuardError):
    """The network connection failed (``DNS``, ``CONNECT``)."""


class RequestTimeout(TlsGuardError, TimeoutError):
    """A timeout expired (``TIMEOUT``); also a builtin ``TimeoutError``."""


class PolicyError(TlsGuardError):
    """tlsguard's security or size policy refused the request (``INSECURE_URL``, ...)."""


class HTTPProtocolError(TlsGuardError):
    """The HTTP exchange failed (``HTTP_PROTOCOL``)."""


class InvalidInput(TlsGuardError, ValueError):
    """The caller passed invalid input (``INVALID_*``, ``IO``); also a builtin ``ValueError``."""


class InternalError(TlsGuardError):
    """A bug in tlsguard (a Rust panic, caught instead of crashing) or a thread or I/O runtime the OS would not start (``INTERNAL``)."""


class HTTPStatusError(HTTPProtocolError):
    """Raised by ``Response.raise_for_status()`` for a 4xx/5xx status (code ``HTTP_STATUS``).

    ``response`` is the response; ``status_code`` its status.
    """

    response: Any
    status_code: int

    def __init__(self, text: str = "", *, response: Any = None, status_code: int = 0, **fields: Any) -> None:
        super().__init__(text, **fields)
        self.response = response
        self.status_code = status_code

    def _fields(self) -> Dict[str, Any]:
        # The response (a native object) is not pickled; the status is.
        return {**super()._fields(), "status_code": self.status_code}


__all__.append("HTTPStatusError")
