"""Responses and options that behave like requests' and httpx's where the names are theirs.

A differential suite: the same call goes through httpx (and requests where it differs) and
through ``tlsguard.Client`` against the same kit server, and the results are compared. Every
difference asserted here is deliberate and listed in the README ("Differences from requests
and httpx").
"""

from __future__ import annotations

import asyncio
import datetime
import json
import ssl
from typing import Any, Iterator, Tuple
from urllib.parse import quote, urljoin

import pytest

import tlsguard


@pytest.fixture(scope="module")
def hx(kit: Any) -> Iterator[Any]:
    httpx = pytest.importorskip("httpx")
    with httpx.Client(verify=ssl.create_default_context(cafile=kit.pki("root_ca"))) as c:
        yield c


@pytest.fixture(scope="module")
def rq(kit: Any) -> Iterator[Any]:
    requests = pytest.importorskip("requests")
    with requests.Session() as s:
        s.verify = kit.pki("root_ca")
        s.trust_env = False  # REQUESTS_CA_BUNDLE would replace verify
        yield s


def body_url(kit: Any, content_type: str, body: bytes) -> str:
    return f"{kit.server('good')}/bytes?type={quote(content_type)}&hex={body.hex()}"


# -- headers -------------------------------------------------------------------------------


def test_repeated_headers_are_joined_as_in_httpx_and_requests(ca_client: tlsguard.Client, hx: Any, rq: Any, kit: Any) -> None:
    url = kit.server("good") + "/headers"
    ours, theirs, req = ca_client.get(url), hx.get(url), rq.get(url)
    for name in ("x-multi", "X-Multi", "set-cookie"):
        assert ours.headers[name] == theirs.headers[name] == req.headers[name], name
        assert ours.headers.get(name) == theirs.headers.get(name)
        assert ours.headers.get_list(name) == theirs.headers.get_list(name) == ours.headers.get_all(name)
    assert ours.headers["x-multi"] == "a, b"
    assert dict(ours.headers.items())["x-multi"] == dict(theirs.headers.items())["x-multi"]
    assert ours.headers.get("nope") is None and "nope" not in ours.headers


# -- text and encoding ---------------------------------------------------------------------

CHARSET_CASES = [
    ("text/plain; charset=iso-8859-1", "café crème".encode("iso-8859-1")),
    ("text/html; charset=\"ISO-8859-1\"", "naïve".encode("iso-8859-1")),
    ("text/plain; charset=utf-16", "héllo wörld".encode("utf-16")),  # with a BOM
    ("text/plain; charset=utf-8", "ünïcode ✓".encode()),
    ("application/json", '{"a": "ü"}'.encode()),
    ("text/plain; charset=no-such-codec", "ü".encode()),
    ("text/plain; charset=utf-8", b"bad \xff byte"),
]


@pytest.mark.parametrize("content_type,body", CHARSET_CASES, ids=[c for c, _ in CHARSET_CASES])
def test_text_is_decoded_with_the_charset_as_httpx_does(
    ca_client: tlsguard.Client, hx: Any, kit: Any, content_type: str, body: bytes
) -> None:
    url = body_url(kit, content_type, body)
    ours, theirs = ca_client.get(url), hx.get(url)
    assert ours.content == theirs.content == body
    assert ours.text == theirs.text
    assert ours.encoding.lower() == theirs.encoding.lower()


def test_charset_decoding_matches_requests_where_a_charset_is_given(ca_client: tlsguard.Client, rq: Any, kit: Any) -> None:
    for content_type, body in CHARSET_CASES[:4]:
        url = body_url(kit, content_type, body)
        assert ca_client.get(url).text == rq.get(url).text, content_type


def test_text_without_a_charset_is_utf8_as_in_httpx_not_latin1_as_in_requests(
    ca_client: tlsguard.Client, hx: Any, rq: Any, kit: Any
) -> None:
    url = body_url(kit, "text/plain", "ü".encode())
    ours, theirs, req = ca_client.get(url), hx.get(url), rq.get(url)
    assert ours.encoding == theirs.encoding == "utf-8" and ours.text == theirs.text == "ü"
    assert req.encoding == "ISO-8859-1" and req.text == "Ã¼"  # the deliberate difference


def test_encoding_can_be_set_as_in_requests(ca_client: tlsguard.Client, rq: Any, kit: Any) -> None:
    url = body_url(kit, "text/plain", "café".encode("iso-8859-1"))
    ours, req = ca_client.get(url), rq.get(url)
    assert ours.text == "caf\ufffd"
    ours.encoding = req.encoding = "iso-8859-1"
    assert ours.encoding == "iso-8859-1" and ours.text == req.text == "café"
    ours.encoding = None  # back to the charset's (none: UTF-8)
    assert ours.encoding == "utf-8"
    with pytest.raises(LookupError):
        ours.encoding = "no-such-codec"


# -- json() --------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [b"hello", b'{"a": 1', b"", b"[1, 2] x", b"\xff\xfe"])
def test_json_errors_are_json_decode_errors_like_httpx(
    ca_client: tlsguard.Client, hx: Any, rq: Any, kit: Any, body: bytes
) -> None:
    url = body_url(kit, "application/json", body)
    with pytest.raises(json.JSONDecodeError) as ours:
        ca_client.get(url).json()
    assert isinstance(ours.value, ValueError)
    cause = ours.value.__cause__
    assert isinstance(cause, tlsguard.HTTPProtocolError) and "not valid JSON" in cause.message
    with pytest.raises(ValueError) as theirs:
        hx.get(url).json()
    with pytest.raises(json.JSONDecodeError) as req:  # requests.JSONDecodeError is one too
        rq.get(url).json()
    if isinstance(theirs.value, json.JSONDecodeError):
        assert (ours.value.msg, ours.value.pos) == (theirs.value.msg, theirs.value.pos) == (req.value.msg, req.value.pos)


def test_json_takes_what_json_loads_takes(ca_client: tlsguard.Client, hx: Any, kit: Any) -> None:
    for body in ['{"a": "ü"}'.encode("utf-16"), b'{"n": NaN}', b'{"big": 1e400}']:
        url = body_url(kit, "application/json", body)
        ours, theirs = ca_client.get(url).json(), hx.get(url).json()
        assert json.dumps(ours) == json.dumps(theirs), body
    from decimal import Decimal

    assert ca_client.get(kit.server("good") + "/json").json(parse_int=Decimal) == {"hello": "world", "n": Decimal(1)}


# -- status, elapsed, history, request -----------------------------------------------------


@pytest.mark.parametrize("status", [200, 204, 302, 404, 500])
def test_status_predicates_as_httpx_and_bool_as_requests(
    ca_client: tlsguard.Client, hx: Any, rq: Any, kit: Any, status: int
) -> None:
    url = f"{kit.server('good')}/status/{status}"
    ours = tlsguard.Client(roots="none", ca_file=kit.pki("root_ca"), max_redirects=0).get(url)
    theirs, req = hx.get(url), rq.get(url, allow_redirects=False)
    assert ours.status_code == theirs.status_code == status
    for name in ("is_success", "is_redirect", "is_client_error", "is_server_error", "is_error"):
        assert getattr(ours, name) == getattr(theirs, name), name
    assert bool(ours) == bool(req) == ours.ok == req.ok
    assert ours.reason == theirs.reason_phrase == req.reason


def test_elapsed_is_a_timedelta(ca_client: tlsguard.Client, good_url: str) -> None:
    r = ca_client.get(good_url)
    assert isinstance(r.elapsed, datetime.timedelta) and datetime.timedelta(0) < r.elapsed < datetime.timedelta(seconds=30)


def test_redirects_and_history_as_httpx_and_requests(ca_client: tlsguard.Client, hx: Any, rq: Any, kit: Any) -> None:
    url = kit.server("good") + "/redirect/3"
    ours, theirs, req = ca_client.get(url), hx.get(url, follow_redirects=True), rq.get(url)
    assert ours.url == str(theirs.url) == req.url
    hops = [(h.status_code, h.url) for h in ours.history]
    assert hops == [(h.status_code, str(h.url)) for h in theirs.history] == [(h.status_code, h.url) for h in req.history]
    assert len(hops) == 3 == ours.redirects
    # Each hop's location, resolved, is the same (tlsguard keeps it resolved; the others as sent).
    assert [urljoin(h.url, h.headers["location"]) for h in ours.history] == [
        urljoin(str(h.url), h.headers["location"]) for h in theirs.history
    ]
    assert all(isinstance(h, tlsguard.Response) and h.is_redirect for h in ours.history)
    assert ca_client.get(kit.server("good") + "/").history == []


def test_request_is_what_was_sent(ca_client: tlsguard.Client, kit: Any) -> None:
    url = kit.server("good") + "/redirect/1"
    r = ca_client.get(url, params={"q": "1"}, headers={"X-Trace": "t1"})
    req = r.request
    assert req is not None and req is r.request
    assert req.method == "GET" and req.url == url + "?q=1" and req.headers["x-trace"] == "t1"
    assert r.url.endswith("/echo")

    async def go() -> tlsguard.Request:
        async with tlsguard.AsyncClient(roots="none", ca_file=kit.pki("root_ca")) as c:
            got = (await c.post(kit.server("good") + "/echo", json={})).request
            assert got is not None
            return got

    assert asyncio.run(go()).method == "POST"


# -- Response made by hand -----------------------------------------------------------------


def test_response_built_by_hand() -> None:
    r = tlsguard.Response(200, json={"a": [1, "ü"]})
    assert r.status_code == 200 and r and r.is_success and r.reason == "OK"
    assert r.json() == {"a": [1, "ü"]} and r.headers["content-type"] == "application/json"
    assert r.request is None and r.history == [] and r.url == "" and r.tls_version is None
    assert r.elapsed == datetime.timedelta(0)
    r = tlsguard.Response(404, text="nö", headers={"X-A": ["1", "2"]}, url="https://a.test/")
    assert not r and r.is_client_error and r.text == "nö" and r.encoding == "utf-8"
    assert r.headers["x-a"] == "1, 2" and r.headers["content-type"] == "text/plain; charset=utf-8"
    with pytest.raises(tlsguard.HTTPStatusError):
        r.raise_for_status()
    r = tlsguard.Response(200, content="café".encode("iso-8859-1"), headers=[("Content-Type", "text/plain; charset=latin-1")])
    assert r.text == "café" and r.encoding == "latin-1"
    assert tlsguard.Response(200, content="x").content == b"x"
    for bad in (lambda: tlsguard.Response(42), lambda: tlsguard.Response(200, headers={"bad name": "v"})):
        with pytest.raises(tlsguard.InvalidInput):
            bad()
    with pytest.raises(tlsguard.InvalidInput):
        tlsguard.Response(200, text="a", json={})
    req = tlsguard.Request("post", "https://a.test/", headers={"a": "b"})
    assert (req.method, req.url, req.headers["A"]) == ("POST", "https://a.test/", "b")


# -- params --------------------------------------------------------------------------------

PARAMS = {"a": None, "b": True, "c": False, "d": 1, "e": [1, None, 2.5], "f": "x y"}


def test_params_drop_none_and_send_bools_as_httpx(ca_client: tlsguard.Client, hx: Any, rq: Any, kit: Any) -> None:
    url = kit.server("good") + "/echo"
    ours = ca_client.get(url, params=PARAMS).json()["query"]
    theirs = hx.get(url, params=PARAMS).json()["query"]
    req = rq.get(url, params=PARAMS).json()["query"]
    assert ours == "b=true&c=false&d=1&e=1&e=2.5&f=x+y" or ours == "b=true&c=false&d=1&e=1&e=2.5&f=x%20y"
    # httpx sends None as an empty value, requests drops it (as tlsguard) but sends True as "True".
    assert theirs == "a=&b=true&c=false&d=1&e=1&e=&e=2.5&f=x+y"
    assert req == "b=True&c=False&d=1&e=1&e=2.5&f=x+y"
    form = ca_client.post(url, data={"a": None, "b": True}).json()["body"]
    assert form == "b=true"


# -- verify= and cert= ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs,words",
    [
        ({"verify": False}, ("no switch", "pins")),
        ({"verify": 0}, ("no switch", "pins")),
        ({"verify": "/etc/ssl/ca.pem"}, ("client decides", "ca_file='/etc/ssl/ca.pem'")),
        ({"cert": ("c.pem", "k.pem")}, ("client certificate", "client_cert=")),
    ],
)
def test_per_call_tls_switches_are_refused_with_an_explanation(
    ca_client: tlsguard.Client, good_url: str, kit: Any, kwargs: Any, words: Tuple[str, str]
) -> None:
    calls = [
        lambda: ca_client.get(good_url, **kwargs),
        lambda: ca_client.stream("GET", good_url, **kwargs),
        lambda: tlsguard.get(good_url, roots="none", ca_file=kit.pki("root_ca"), **kwargs),
        lambda: asyncio.run(tlsguard.AsyncClient().get(good_url, **kwargs)),
    ]
    for call in calls:
        with pytest.raises(tlsguard.InvalidInput) as info:
            call()
        text = info.value.message + " " + info.value.hint
        assert info.value.code == "INVALID_ARGUMENT"
        assert all(w in text for w in words), text
    assert ca_client.get(good_url, verify=True).ok  # what tlsguard always does


def test_client_refuses_verify_and_cert_with_an_explanation() -> None:
    with pytest.raises(tlsguard.InvalidInput, match="verification is always on"):
        tlsguard.Client(verify=False)
    with pytest.raises(tlsguard.InvalidInput, match="client certificate") as info:
        tlsguard.Client(cert="c.pem")
    assert "client_cert=" in info.value.hint
