"""Auth, cookies, retries, redirects, timeouts and base_url as requests/httpx users pass them."""

from __future__ import annotations

import base64
import json
import ssl
import uuid
from typing import Any, Iterator
from urllib.parse import quote

import pytest

import tlsguard


def client(kit: Any, **options: Any) -> tlsguard.Client:
    return tlsguard.Client(roots="none", ca_file=kit.pki("root_ca"), **options)


@pytest.fixture(scope="module")
def hx(kit: Any) -> Iterator[Any]:
    httpx = pytest.importorskip("httpx")
    with httpx.Client(verify=ssl.create_default_context(cafile=kit.pki("root_ca"))) as c:
        yield c


def key() -> str:
    return uuid.uuid4().hex


# -- auth ----------------------------------------------------------------------------------


def test_auth_pair_and_bearer_as_httpx_sends_them(ca_client: tlsguard.Client, hx: Any, kit: Any) -> None:
    httpx = pytest.importorskip("httpx")
    echo = kit.server("good") + "/echo"
    ours = ca_client.get(echo, auth=("alice", "s3cret: ü")).json()["headers"]["authorization"]
    theirs = hx.get(echo, auth=("alice", "s3cret: ü")).json()["headers"]["authorization"]
    assert ours == theirs == ["Basic " + base64.b64encode("alice:s3cret: ü".encode()).decode()]
    assert ca_client.get(echo, auth=tlsguard.BasicAuth("alice", "x")).json()["headers"]["authorization"] == hx.get(
        echo, auth=httpx.BasicAuth("alice", "x")
    ).json()["headers"]["authorization"]
    assert ca_client.get(echo, auth=tlsguard.BearerAuth("tok-1")).json()["headers"]["authorization"] == ["Bearer tok-1"]
    assert "***" in repr(tlsguard.BearerAuth("tok-1")) and "tok-1" not in repr(tlsguard.BearerAuth("tok-1"))


def test_client_auth_and_a_request_without_it(kit: Any) -> None:
    echo = kit.server("good") + "/echo"
    c = client(kit, auth=tlsguard.BearerAuth("client-token"))
    assert c.get(echo).json()["headers"]["authorization"] == ["Bearer client-token"]
    assert c.get(echo, auth=("u", "p")).json()["headers"]["authorization"][0].startswith("Basic ")
    assert "authorization" not in c.get(echo, auth=False).json()["headers"]
    # One-off calls take auth per request (the shared client is not keyed by credentials).
    one = tlsguard.get(echo, roots="none", ca_file=kit.pki("root_ca"), auth=("a", "b"))
    assert one.json()["headers"]["authorization"][0].startswith("Basic ")


def test_bad_auth_is_refused(ca_client: tlsguard.Client, good_url: str) -> None:
    with pytest.raises(TypeError):
        ca_client.get(good_url, auth="user:pass")  # type: ignore[arg-type]
    with pytest.raises(tlsguard.InvalidInput) as info:
        ca_client.get(good_url, auth=("a:b", "c"))
    assert "a:b" not in str(info.value) or "user name" in str(info.value)
    with pytest.raises(tlsguard.InvalidInput):
        ca_client.get(good_url, auth=tlsguard.BearerAuth("two words"))


# -- cookies -------------------------------------------------------------------------------


def test_cookie_jar_read_persist_and_restore(kit: Any) -> None:
    good = kit.server("good")
    c = client(kit, cookies=True)
    assert len(c.cookies) == 0
    c.get(good + "/set-cookie?c=" + quote("session=abc; Path=/") + "&c=" + quote("theme=dark; Path=/; Max-Age=3600"))
    assert dict(c.cookies) == {"session": "abc", "theme": "dark"}
    assert c.cookies["session"] == "abc" and "theme" in c.cookies
    assert c.get(good + "/echo").json()["headers"]["cookie"] == ["session=abc; theme=dark"]
    saved = json.loads(json.dumps(c.cookies.jar()))
    assert {x["name"] for x in saved} == {"session", "theme"} and all(x["domain"] for x in saved)
    again = client(kit, cookies=saved)
    assert again.get(good + "/echo").json()["headers"]["cookie"] == ["session=abc; theme=dark"]
    assert dict(client(kit, cookies=c.cookies).cookies) == dict(c.cookies)
    c.cookies.clear()
    assert len(c.cookies) == 0 and "cookie" not in c.get(good + "/echo").json()["headers"]
    with pytest.raises(KeyError):
        c.cookies["session"]


def test_without_a_jar_no_cookies_are_kept(ca_client: tlsguard.Client, kit: Any) -> None:
    good = kit.server("good")
    ca_client.get(good + "/set-cookie?c=" + quote("a=1"))
    assert "cookie" not in ca_client.get(good + "/echo").json()["headers"]
    assert dict(ca_client.cookies) == {} and ca_client.cookies.jar() == []


# -- retries -------------------------------------------------------------------------------


def test_client_retries(kit: Any) -> None:
    url = kit.server("good") + "/flaky?fail=2&key="
    assert client(kit).get(url + key()).status_code == 503
    r = client(kit, retries=2).get(url + key())
    assert (r.status_code, r.text) == (200, "attempt 3")
    r = client(kit, retries={"max": 1, "backoff": 0}).get(url + key())
    assert (r.status_code, r.text) == (503, "attempt 2")
    with pytest.raises(tlsguard.InvalidInput):
        client(kit, retries={"count": 1})


def test_requests_adapter_keeps_max_retries_as_requests_does(kit: Any) -> None:
    requests = pytest.importorskip("requests")
    from urllib3.util.retry import Retry

    from tlsguard.adapters.requests import TlsGuardAdapter

    url = kit.server("good") + "/flaky?fail=2&key="
    ca = kit.pki("root_ca")

    def through(adapter: Any, target: str) -> Any:
        with requests.Session() as s:
            s.trust_env = False
            if not isinstance(adapter, TlsGuardAdapter):
                s.verify = ca  # (tlsguard's adapter refuses a per-call CA: it has its own)
            s.mount("https://", adapter)
            return s.get(target)

    def ours(max_retries: Any) -> Any:
        return TlsGuardAdapter(roots="none", ca_file=ca, max_retries=max_retries)

    # An int: connection failures only, so a 503 comes back, in both.
    for adapter in (requests.adapters.HTTPAdapter(max_retries=3), ours(3)):
        r = through(adapter, url + key())
        assert (r.status_code, r.text) == (503, "attempt 1")
    # A Retry with a status list: retried, in both.
    for make in (lambda r: requests.adapters.HTTPAdapter(max_retries=r), ours):
        policy = Retry(total=2, status_forcelist=[503], backoff_factor=0, raise_on_status=False)
        r = through(make(policy), url + key())
        assert (r.status_code, r.text) == (200, "attempt 3")
    assert ours(3).max_retries == 3
    # Connection failures are retried (a closed port: three attempts, then the error).
    with pytest.raises(requests.ConnectionError) as info:
        through(ours(2), "https://127.0.0.1:9/")
    assert "after 3 attempts" in str(info.value)


# -- redirects, base_url -------------------------------------------------------------------


def test_follow_redirects_per_request_as_httpx(ca_client: tlsguard.Client, hx: Any, kit: Any) -> None:
    url = kit.server("good") + "/redirect/2"
    ours, theirs = ca_client.get(url, follow_redirects=False), hx.get(url, follow_redirects=False)
    assert ours.status_code == theirs.status_code == 302
    assert ours.headers["location"] == theirs.headers["location"] and ours.history == []
    ours, theirs = ca_client.get(url, follow_redirects=True), hx.get(url, follow_redirects=True)
    assert ours.status_code == theirs.status_code == 200 and len(ours.history) == len(theirs.history) == 2
    one = tlsguard.get(url, roots="none", ca_file=kit.pki("root_ca"), follow_redirects=False)
    assert one.status_code == 302


def test_base_url(kit: Any) -> None:
    c = client(kit, base_url=kit.server("good") + "/echo/")
    assert c.get("items", params={"a": "1"}).json()["path"] == "/echo/items"
    assert c.get("/json").json() == {"hello": "world", "n": 1}


# -- timeouts ------------------------------------------------------------------------------


def test_timeout_object_and_none(kit: Any, good_url: str) -> None:
    slow = kit.server("good") + "/slow"
    with pytest.raises(tlsguard.RequestTimeout):
        client(kit, timeout=tlsguard.Timeout(total=0.3)).get(slow)
    # (The core's read timeout for the headers counts from the end of the connect timeout.)
    with pytest.raises(tlsguard.RequestTimeout, match="read_timeout"):
        client(kit, timeout=tlsguard.Timeout(read=0.3, connect=0.5)).get(slow)
    with pytest.raises(tlsguard.RequestTimeout, match="read_timeout"):
        client(kit).get(kit.server("good") + "/stall-body", timeout=tlsguard.Timeout(read=0.3))
    with pytest.raises(tlsguard.RequestTimeout):
        client(kit, timeout=None, read_timeout=None).get(slow, timeout=0.3)
    assert client(kit, timeout=None).get(good_url).ok  # no whole-request limit
    assert client(kit, timeout=0.3).get(good_url, timeout=None).ok
    with pytest.raises(tlsguard.InvalidInput, match="client's option"):
        client(kit).get(good_url, timeout=tlsguard.Timeout(connect=1.0))
    with pytest.raises(tlsguard.InvalidInput, match="always has a limit"):
        tlsguard.Timeout(connect=None)  # type: ignore[arg-type]
    assert tlsguard.Timeout(5.0) == tlsguard.Timeout(total=5.0) != tlsguard.Timeout(read=5.0)
    assert repr(tlsguard.Timeout(1.0, read=None)) == "Timeout(total=1.0, read=None)"
