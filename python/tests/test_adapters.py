"""The requests adapter and the httpx transports (tlsguard.adapters), against the test kit.

Each library's tests are skipped when it is not installed (`pip install tlsguard[requests]`,
`tlsguard[httpx]`).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Iterator

import pytest

import tlsguard

README = Path(__file__).resolve().parents[1] / "README.md"


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60)


# -- both libraries optional ------------------------------------------------------------------


def test_import_tlsguard_imports_neither_library() -> None:
    p = _run(
        """
        import sys, tlsguard, tlsguard.adapters
        print(sorted(m for m in ("requests", "httpx", "urllib3") if m in sys.modules))
        """
    )
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "[]"


@pytest.mark.parametrize("name", ["requests", "httpx"])
def test_missing_library_names_the_extra(name: str) -> None:
    p = _run(
        f"""
        import sys
        sys.modules[{name!r}] = None  # as if not installed
        try:
            import tlsguard.adapters.{name}
        except ImportError as e:
            print(e)
        """
    )
    assert p.returncode == 0, p.stderr
    assert f"pip install tlsguard[{name}]" in p.stdout


def test_shared_header_rules() -> None:
    from tlsguard.adapters import request_headers, response_headers

    sent = request_headers(
        [("Connection", "keep-alive"), ("Content-Length", "3"), ("Accept-Encoding", "gzip, deflate, br, zstd, compress"), ("X-A", "1"), ("x-a", "2")]
    )
    assert sent == [("Accept-Encoding", "gzip, deflate, br, zstd"), ("X-A", "1"), ("x-a", "2")]
    assert request_headers([("accept-encoding", "compress")]) == [("accept-encoding", "identity")]
    # Whether tlsguard decoded the body is the core's answer (Response.body_decoded), not a rule here.
    got = response_headers([("Content-Encoding", "gzip"), ("Content-Length", "60"), ("X", "y")], b"12345", True)
    assert got == [("X", "y"), ("content-length", "5")]
    unknown = [("Content-Encoding", "compress"), ("Content-Length", "60")]
    assert response_headers(unknown, b"raw", False) == unknown  # not decoded by tlsguard: left as is
    head = [("Content-Encoding", "gzip"), ("Content-Length", "60")]
    assert response_headers(head, b"", True) == head  # an empty body keeps its headers
    # Streamed (body None): no Content-Length, its decoded size is not known yet ...
    assert response_headers([("Content-Encoding", "gzip"), ("Content-Length", "60"), ("X", "y")], None, True) == [("X", "y")]
    # ... unless the response has no body (HEAD, 204, 304).
    assert response_headers(head, None, True, no_body=True) == head


def test_body_decoded_is_the_cores_answer(ca_client: Any, kit: Any) -> None:
    """``body_decoded``: a known coding and decompression on; said of the headers (HEAD too)."""
    url = kit.server("good") + "/gzip"
    assert ca_client.get(url).body_decoded is True
    assert ca_client.get(url, decompress=False).body_decoded is False
    assert ca_client.head(url).body_decoded is True
    assert ca_client.get(kit.server("good") + "/").body_decoded is False
    with ca_client.stream("GET", url) as r:
        assert r.body_decoded is True


@pytest.mark.parametrize("library", ["requests", "httpx"])
def test_error_tables_cover_every_code(library: str) -> None:
    """Every tlsguard code becomes one of the library's request exceptions, chained-ready."""
    pytest.importorskip(library)
    if library == "requests":
        import requests.exceptions as peer

        from tlsguard.adapters.requests import translate_error

        base: Any = peer.RequestException
        expected = {"CERT_EXPIRED": peer.SSLError, "TLS_HANDSHAKE": peer.SSLError, "DNS": peer.ConnectionError,
                    "CONNECT": peer.ConnectionError, "TIMEOUT": peer.ReadTimeout, "INSECURE_URL": peer.InvalidSchema,
                    "INVALID_URL": peer.InvalidURL, "HTTP_PROTOCOL": peer.ConnectionError}
        request = None
    else:
        import httpx as peer  # type: ignore[no-redef]

        from tlsguard.adapters.httpx import translate_error  # type: ignore[assignment]

        base = peer.TransportError
        expected = {"CERT_EXPIRED": peer.ConnectError, "TLS_HANDSHAKE": peer.ConnectError, "DNS": peer.ConnectError,
                    "CONNECT": peer.ConnectError, "TIMEOUT": peer.ReadTimeout, "INSECURE_URL": peer.UnsupportedProtocol,
                    "HTTP_PROTOCOL": peer.RemoteProtocolError}
        request = peer.Request("GET", "https://example.com/")
    from tlsguard import _native

    for code in _native._codes():
        error = _native._exception_for_code(code)
        exc = translate_error(error, request)
        assert isinstance(exc, base), code
        assert exc.tlsguard_error is error
        assert type(exc) is expected.get(code, type(exc)), code


# -- requests ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def requests_mod() -> Any:
    return pytest.importorskip("requests")


@pytest.fixture()
def session(requests_mod: Any, kit: Any) -> Iterator[Any]:
    from tlsguard.adapters.requests import TlsGuardAdapter

    with requests_mod.Session() as s:
        s.mount("https://", TlsGuardAdapter(roots="none", ca_file=kit.pki("root_ca")))
        yield s


def test_requests_get_post_json(session: Any, kit: Any) -> None:
    echo = kit.server("good") + "/echo"
    r = session.get(echo, params={"q": "a b"}, headers={"X-Test": "1"})
    assert r.status_code == 200 and r.ok and r.reason == "OK"
    body = r.json()
    assert body["method"] == "GET" and "q=a+b" in body["query"]
    assert body["headers"]["x-test"] == ["1"]
    assert body["headers"]["user-agent"][0].startswith("python-requests/")
    assert "connection" not in body["headers"]
    assert r.url == echo + "?q=a+b"
    assert r.elapsed.total_seconds() > 0
    assert r.tlsguard_response.tls_version in ("TLSv1.2", "TLSv1.3")
    r = session.post(echo, json={"hello": ["world", 1]})
    body = r.json()
    assert body["method"] == "POST"
    assert body["headers"]["content-type"] == ["application/json"]
    assert json.loads(body["body"]) == {"hello": ["world", 1]}
    r = session.put(echo, data=iter([b"chunk1,", b"chunk2"]))  # a generator body is read first
    assert r.json()["body"] == "chunk1,chunk2"


def test_requests_repeated_headers_and_cookies(session: Any, kit: Any) -> None:
    r = session.get(kit.server("good") + "/headers")
    assert r.headers["x-multi"] == "a, b"  # requests joins repeated headers
    assert r.raw.headers.getlist("X-Multi") == ["a", "b"]
    assert len(r.raw.headers.getlist("set-cookie")) == 2
    assert r.cookies.get("a") == "1" and r.cookies.get("b") == "2"
    assert session.cookies.get("b") == "2"


def test_requests_gzip_decoded_once(session: Any, kit: Any) -> None:
    r = session.get(kit.server("good") + "/gzip")
    assert r.json() == {"compressed": True, "text": "hello"}
    assert "content-encoding" not in r.headers
    assert r.headers["content-length"] == str(len(r.content))
    r = session.get(kit.server("good") + "/gzip", stream=True)
    assert b"".join(r.iter_content(4)) == b'{"compressed": true, "text": "hello"}'


def test_requests_redirects_are_followed_by_requests(session: Any, requests_mod: Any, kit: Any) -> None:
    good = kit.server("good")
    r = session.get(good + "/redirect/3")
    assert r.status_code == 200 and r.url == good + "/echo"
    assert [h.status_code for h in r.history] == [302, 302, 302]
    assert r.history[0].url == good + "/redirect/3"
    r = session.get(good + "/redirect/3", allow_redirects=False)
    assert r.status_code == 302 and r.headers["location"] == "/redirect/2"
    session.max_redirects = 2
    with pytest.raises(requests_mod.TooManyRedirects):
        session.get(good + "/redirect/3")
    r = session.post(good + "/redirect/303", data=b"x")
    assert r.json()["method"] == "GET"


def test_requests_redirect_to_http_refused(session: Any, requests_mod: Any, kit: Any) -> None:
    with pytest.raises(requests_mod.exceptions.InvalidSchema) as info:
        session.get(kit.server("good") + "/redirect/http")
    cause = info.value.__cause__
    assert isinstance(cause, tlsguard.PolicyError) and cause.code == "HTTP_DOWNGRADE"
    assert info.value.tlsguard_error is cause
    # Mounted on http:// as well, a plain URL is refused by tlsguard itself.
    from tlsguard.adapters.requests import TlsGuardAdapter

    session.mount("http://", TlsGuardAdapter())
    with pytest.raises(requests_mod.exceptions.InvalidSchema) as info:
        session.get(kit.server("plain") + "/")
    assert info.value.tlsguard_error.code == "INSECURE_URL"


def test_requests_expired_is_ssl_error(session: Any, requests_mod: Any, kit: Any) -> None:
    with pytest.raises(requests_mod.exceptions.SSLError) as info:
        session.get(kit.scenarios["expired"]["url"])
    cause = info.value.__cause__
    assert isinstance(cause, tlsguard.CertificateError) and cause.code == "CERT_EXPIRED"
    assert info.value.tlsguard_error is cause
    assert "CERT_EXPIRED" in str(info.value)
    assert isinstance(info.value, requests_mod.ConnectionError)  # SSLError is one; except clauses work


def test_requests_unknown_issuer_without_ca(requests_mod: Any, kit: Any) -> None:
    from tlsguard.adapters.requests import TlsGuardAdapter

    with requests_mod.Session() as s:
        s.mount("https://", TlsGuardAdapter())  # public roots only: the kit's CA is unknown
        with pytest.raises(requests_mod.exceptions.SSLError) as info:
            s.get(kit.server("good") + "/")
    assert info.value.tlsguard_error.code == "CERT_UNKNOWN_ISSUER"


def test_requests_network_errors(session: Any, requests_mod: Any) -> None:
    with pytest.raises(requests_mod.ConnectionError) as info:
        session.get("https://127.0.0.1:1/")
    assert isinstance(info.value.__cause__, tlsguard.NetworkError)
    assert not isinstance(info.value, requests_mod.exceptions.SSLError)


def test_requests_timeout(session: Any, requests_mod: Any, kit: Any) -> None:
    with pytest.raises(requests_mod.exceptions.ReadTimeout) as info:
        session.get(kit.server("good") + "/slow", timeout=0.5)
    assert isinstance(info.value.__cause__, tlsguard.RequestTimeout)
    with pytest.raises(requests_mod.Timeout):
        session.get(kit.server("good") + "/slow", timeout=(5, 0.3))


@pytest.mark.parametrize(
    "kwargs, needle",
    [
        ({"verify": False}, "pins"),
        ({"verify": 0}, "no switch"),
        ({"verify": ""}, "no switch"),
        ({"verify": "/etc/ssl/ca.pem"}, "ca_file='/etc/ssl/ca.pem'"),
        ({"verify": b"/etc/ssl/ca.pem"}, "ca_file='/etc/ssl/ca.pem'"),
        ({"verify": Path("/etc/ssl/ca.pem")}, "ca_file='/etc/ssl/ca.pem'"),
        ({"cert": ("c.pem", "k.pem")}, "client_cert"),
        ({"proxies": {"https": "http://127.0.0.1:3128"}}, "proxy="),
    ],
)
def test_requests_per_request_overrides_refused(session: Any, kit: Any, kwargs: Any, needle: str) -> None:
    with pytest.raises(tlsguard.InvalidInput) as info:
        session.get(kit.server("good") + "/", **kwargs)
    assert info.value.code == "INVALID_ARGUMENT"
    assert needle in str(info.value) + info.value.hint


def test_requests_session_verify_false_refused(session: Any, kit: Any, monkeypatch: Any) -> None:
    # requests replaces a session's verify=False by $REQUESTS_CA_BUNDLE when that is set.
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    session.verify = False
    with pytest.raises(ValueError, match="no switch"):
        session.get(kit.server("good") + "/")


def test_requests_verify_path_only_the_environments_own(
    requests_mod: Any, kit: Any, monkeypatch: Any
) -> None:
    # requests passes REQUESTS_CA_BUNDLE (else CURL_CA_BUNDLE) as verify= on every call: that one
    # path is not refused; any other, CURL_CA_BUNDLE's included when REQUESTS_CA_BUNDLE wins, is.
    from tlsguard.adapters.requests import TlsGuardAdapter

    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/env/requests.pem")
    monkeypatch.setenv("CURL_CA_BUNDLE", "/env/curl.pem")
    url = kit.server("good") + "/"
    with requests_mod.Session() as s:
        s.mount("https://", TlsGuardAdapter(roots="none", ca_file=kit.pki("root_ca")))
        assert s.get(url).status_code == 200
        assert s.get(url, verify="/env/requests.pem").status_code == 200  # the same path
        with pytest.raises(tlsguard.InvalidInput, match="verify='/env/curl.pem'") as info:
            s.get(url, verify="/env/curl.pem")
        assert "TlsGuardAdapter(ca_file='/env/curl.pem')" in info.value.hint
        # (requests prefers the environment's bundle over a session-wide verify path.)
        s.verify = "/mine/ca.pem"
        assert s.get(url).status_code == 200
        monkeypatch.delenv("REQUESTS_CA_BUNDLE")
        monkeypatch.delenv("CURL_CA_BUNDLE")
        with pytest.raises(tlsguard.InvalidInput, match="would replace the trusted CAs"):
            s.get(url)
    # A certificate error while the environment's bundle is ignored says so.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/env/requests.pem")
    with requests_mod.Session() as s:
        s.mount("https://", TlsGuardAdapter(roots="none", pins=["sha256/" + "A" * 43 + "="]))
        with pytest.raises(requests_mod.exceptions.SSLError) as info:
            s.get(url)
    assert "REQUESTS_CA_BUNDLE" in str(info.value) and "ca_file" in str(info.value)
    assert info.value.tlsguard_error.code == "CERT_PIN_MISMATCH"


def test_requests_env_ca_bundle_and_proxy_tolerated(requests_mod: Any, kit: Any, monkeypatch: Any) -> None:
    # What requests merges in from the environment (trust_env) is not a per-request override:
    # tlsguard reads HTTPS_PROXY itself, and the adapter's options decide what is trusted.
    from tlsguard.adapters.requests import TlsGuardAdapter

    proxy = kit.server("proxy")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/nonexistent/ca.pem")
    for name in ("NO_PROXY", "no_proxy", "https_proxy", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", proxy)
    with requests_mod.Session() as s:
        s.mount("https://", TlsGuardAdapter(roots="none", ca_file=kit.pki("root_ca")))
        assert s.get(kit.server("good") + "/").status_code == 200
        with pytest.raises(tlsguard.InvalidInput, match="proxy"):  # explicit, not the adapter's
            s.get(kit.server("good") + "/", proxies={"https": "http://127.0.0.1:9"})
    monkeypatch.delenv("HTTPS_PROXY")
    with requests_mod.Session() as s:
        s.mount("https://", TlsGuardAdapter(roots="none", ca_file=kit.pki("root_ca"), proxy=proxy))
        s.proxies = {"https": proxy}  # the adapter's own proxy: fine
        assert s.get(kit.server("good") + "/").status_code == 200


def test_requests_adapter_options(requests_mod: Any) -> None:
    from tlsguard.adapters.requests import TlsGuardAdapter

    with pytest.raises(tlsguard.InvalidInput, match="max_redirects"):
        TlsGuardAdapter(max_redirects=5)
    with pytest.raises(tlsguard.InvalidInput, match="allow_http"):
        TlsGuardAdapter(allow_http=True)
    with pytest.raises(tlsguard.InvalidInput):
        TlsGuardAdapter(verify=False)  # refused by the core, like tlsguard.Client
    a = TlsGuardAdapter()
    a.close()
    assert a.client.closed


# -- httpx ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def httpx_mod() -> Any:
    return pytest.importorskip("httpx")


@pytest.fixture()
def hclient(httpx_mod: Any, kit: Any) -> Iterator[Any]:
    from tlsguard.adapters.httpx import TlsGuardTransport

    with httpx_mod.Client(transport=TlsGuardTransport(roots="none", ca_file=kit.pki("root_ca"))) as c:
        yield c


def test_httpx_get_post_json(hclient: Any, kit: Any) -> None:
    echo = kit.server("good") + "/echo"
    r = hclient.get(echo, params={"q": "a b"}, headers=[("X-A", "1"), ("X-A", "2")])
    assert r.status_code == 200 and r.reason_phrase == "OK"
    assert r.http_version in ("HTTP/1.1", "HTTP/2")
    body = r.json()
    assert body["method"] == "GET" and "q=a+b" in body["query"]
    assert body["headers"]["x-a"] == ["1", "2"]
    assert body["headers"]["user-agent"][0].startswith("python-httpx/")
    assert "connection" not in body["headers"]
    assert r.elapsed.total_seconds() > 0
    assert r.extensions["tlsguard_response"].peer_certificates
    r = hclient.post(echo, json={"hello": "world"})
    body = r.json()
    assert body["method"] == "POST" and body["headers"]["content-type"] == ["application/json"]
    assert '"hello"' in body["body"]


def test_httpx_repeated_headers_and_gzip(hclient: Any, kit: Any) -> None:
    r = hclient.get(kit.server("good") + "/headers")
    assert r.headers.get_list("x-multi") == ["a", "b"]
    assert len(r.headers.get_list("set-cookie")) == 2
    assert r.cookies.get("b") == "2"
    r = hclient.get(kit.server("good") + "/gzip")
    assert r.json() == {"compressed": True, "text": "hello"}
    assert "content-encoding" not in r.headers
    assert "content-length" not in r.headers  # streamed: the decoded size is not known up front


def test_httpx_redirects_followed_by_httpx(hclient: Any, httpx_mod: Any, kit: Any) -> None:
    good = kit.server("good")
    r = hclient.get(good + "/redirect/3")
    assert r.status_code == 302  # httpx does not follow by default
    r = hclient.get(good + "/redirect/3", follow_redirects=True)
    assert r.status_code == 200 and str(r.url) == good + "/echo"
    assert [h.status_code for h in r.history] == [302, 302, 302]
    with pytest.raises(httpx_mod.UnsupportedProtocol) as info:
        hclient.get(good + "/redirect/http", follow_redirects=True)
    assert isinstance(info.value.__cause__, tlsguard.PolicyError)
    assert info.value.tlsguard_error.code == "INSECURE_URL"


def test_httpx_expired_is_connect_error(hclient: Any, httpx_mod: Any, kit: Any) -> None:
    with pytest.raises(httpx_mod.ConnectError) as info:
        hclient.get(kit.scenarios["expired"]["url"])
    cause = info.value.__cause__
    assert isinstance(cause, tlsguard.CertificateError) and cause.code == "CERT_EXPIRED"
    assert info.value.tlsguard_error is cause
    assert info.value.request.url == kit.scenarios["expired"]["url"]


def test_httpx_timeout_and_network(hclient: Any, httpx_mod: Any, kit: Any) -> None:
    with pytest.raises(httpx_mod.ReadTimeout) as info:
        hclient.get(kit.server("good") + "/slow", timeout=0.5)
    assert isinstance(info.value.__cause__, tlsguard.RequestTimeout)
    with pytest.raises(httpx_mod.ConnectError) as info:
        hclient.get("https://127.0.0.1:1/")
    assert info.value.tlsguard_error.code == "CONNECT"


def test_httpx_verify_false_does_not_reach_transport(httpx_mod: Any, kit: Any) -> None:
    from tlsguard.adapters.httpx import TlsGuardTransport

    # httpx's verify= configures its default transport only; ours still verifies.
    with httpx_mod.Client(verify=False, transport=TlsGuardTransport()) as c:
        with pytest.raises(httpx_mod.ConnectError) as info:
            c.get(kit.server("good") + "/")
    assert info.value.tlsguard_error.code == "CERT_UNKNOWN_ISSUER"
    with pytest.raises(tlsguard.InvalidInput):
        TlsGuardTransport(verify=False)
    with pytest.raises(tlsguard.InvalidInput, match="max_redirects"):
        TlsGuardTransport(max_redirects=3)


def test_httpx_proxy_and_mounts_cannot_bypass_the_transport(httpx_mod: Any, kit: Any) -> None:
    from tlsguard.adapters.httpx import TlsGuardAsyncTransport, TlsGuardTransport

    good = kit.server("good") + "/"
    trust = dict(roots="none", ca_file=kit.pki("root_ca"))
    # proxy=: httpx mounts its own proxy transport for all://; refused when the client is entered.
    client = httpx_mod.Client(transport=TlsGuardTransport(**trust), proxy="http://127.0.0.1:9")
    with pytest.raises(tlsguard.InvalidInput, match="'all://'") as info:
        client.__enter__()
    assert "TlsGuardTransport(proxy=" in info.value.hint
    client.close()
    # mounts= for one https host, without `with`: refused at the first request the transport sees.
    with pytest.raises(tlsguard.InvalidInput, match="'https://127.0.0.1'"):
        httpx_mod.Client(
            transport=TlsGuardTransport(**trust),
            mounts={"https://127.0.0.1": httpx_mod.HTTPTransport(verify=False)},
        ).get(good)
    # tlsguard mounted for every https:// URL: an http-only proxy mount does not bypass it.
    with httpx_mod.Client(
        mounts={"https://": TlsGuardTransport(**trust)}, proxy="http://127.0.0.1:9", trust_env=False
    ) as c:
        assert c.get(good).status_code == 200
        assert c.get(good).status_code == 200  # checked once per client
    with httpx_mod.Client(transport=TlsGuardTransport(**trust)) as c:
        assert c.get(good).status_code == 200

    async def main() -> None:
        transport = TlsGuardAsyncTransport(**trust)
        with pytest.raises(tlsguard.InvalidInput, match="TlsGuardAsyncTransport"):
            async with httpx_mod.AsyncClient(transport=transport, proxy="http://127.0.0.1:9"):
                pass
        async with httpx_mod.AsyncClient(transport=TlsGuardAsyncTransport(**trust)) as c:
            assert (await c.get(good)).status_code == 200

    asyncio.run(main())


def test_httpx_async_transport(httpx_mod: Any, kit: Any) -> None:
    from tlsguard.adapters.httpx import TlsGuardAsyncTransport

    good = kit.server("good")

    async def main() -> Any:
        transport = TlsGuardAsyncTransport(roots="none", ca_file=kit.pki("root_ca"))
        async with httpx_mod.AsyncClient(transport=transport) as c:
            posted, redirected, multi = await asyncio.gather(
                c.post(good + "/echo", json={"a": 1}),
                c.get(good + "/redirect/2", follow_redirects=True),
                c.get(good + "/headers"),
            )
            with pytest.raises(httpx_mod.ConnectError) as info:
                await c.get(kit.scenarios["expired"]["url"])
            with pytest.raises(httpx_mod.ReadTimeout):
                await c.get(good + "/slow", timeout=0.3)
        assert transport.client.closed
        return posted, redirected, multi, info.value

    posted, redirected, multi, err = asyncio.run(main())
    assert posted.json()["method"] == "POST" and json.loads(posted.json()["body"]) == {"a": 1}
    assert redirected.status_code == 200 and len(redirected.history) == 2
    assert multi.headers.get_list("x-multi") == ["a", "b"]
    assert isinstance(err.__cause__, tlsguard.CertificateError) and err.__cause__.code == "CERT_EXPIRED"


# -- README -----------------------------------------------------------------------------------


def test_readme_adapters_section(requests_mod: Any, httpx_mod: Any, kit: Any) -> None:
    text = README.read_text()
    section = text.split("## Switch existing code in one line", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert blocks, "no python block in the README's adapters section"
    out = io.StringIO()
    for code in blocks:
        assert '"ca.pem"' in code and "https://localhost:8443" in code
        code = code.replace('"ca.pem"', repr(kit.pki("root_ca"))).replace("https://localhost:8443", kit.server("good"))
        with contextlib.redirect_stdout(out):
            exec(compile(code, str(README), "exec"), {"__name__": "__readme__"})
    assert out.getvalue().splitlines() == [
        '200 {"hello": "world"}', "1000000", "100000", "200", "1000000", "10", "['a', 'b']"
    ]
