"""Client behaviour beyond the scenarios: responses, headers, bodies, bad input."""

from __future__ import annotations

import asyncio
import datetime
import os
from pathlib import Path
from typing import Any, List

import pytest

import tlsguard


def test_response_fields(ca_client: tlsguard.Client, good_url: str) -> None:
    r = ca_client.get(good_url)
    assert r.status_code == 200 and r.ok and r.reason == "OK"
    assert r.content == b"hello" or b"hello" in r.content
    assert "hello" in r.text
    assert r.url == good_url
    assert r.http_version == "HTTP/1.1"  # HTTP/2 is opt-in
    assert r.tls_version in ("TLSv1.2", "TLSv1.3")
    assert r.cipher_suite
    assert isinstance(r.elapsed, datetime.timedelta) and r.elapsed.total_seconds() > 0
    certs = r.peer_certificates
    assert certs and isinstance(certs[0], tlsguard.Certificate)
    assert "localhost" in certs[0].dns_names
    assert certs[0].not_after.tzinfo is not None


def test_response_conversions_are_kept(ca_client: tlsguard.Client, good_url: str) -> None:
    """content/headers/peer_certificates are converted once; text/json decode every call."""
    r = ca_client.get(good_url)
    assert r.content is r.content and isinstance(r.content, bytes)
    assert r.headers is r.headers
    a, b = r.peer_certificates, r.peer_certificates
    assert a == b and a is not b  # a new list each time (callers may change it) ...
    assert all(x is y for x, y in zip(a, b))  # ... of the same Certificate objects
    a.clear()
    assert r.peer_certificates == b
    assert r.text == r.content.decode("utf-8", "replace")
    assert r.http_version is r.http_version  # interned


def test_headers_case_insensitive_multi(ca_client: tlsguard.Client, kit: Any) -> None:
    r = ca_client.get(kit.server("good") + "/headers")
    h = r.headers
    assert len(h.get_all("Set-Cookie")) == 2
    assert len(h.get_all("x-multi")) == 2
    assert h["X-MULTI"] == h["x-multi"] == "a, b" == ", ".join(h.get_list("x-multi"))
    assert "SET-COOKIE" in h and "nope" not in h
    assert h.get("nope") is None and h.get("nope", "d") == "d"
    with pytest.raises(KeyError):
        h["nope"]
    assert len(list(h)) == len(h) == len(h.keys())
    assert len(h.multi_items()) > len(h)


def test_params_json_form_and_text(ca_client: tlsguard.Client, kit: Any) -> None:
    echo = kit.server("good") + "/echo"
    r = ca_client.post(echo, params={"q": "a b", "n": 1, "m": ["x", "y"]}, json={"k": [1, 2.5, None, True]})
    body = r.json()
    assert isinstance(body, dict)
    text = r.text
    assert "q=a+b" in text or "q=a%20b" in text
    assert "m=x" in text and "m=y" in text and "n=1" in text
    assert "application/json" in text
    r = ca_client.post(echo, data={"a": "1", "b": "2"})
    assert "x-www-form-urlencoded" in r.text
    r = ca_client.put(echo, data="plain text")
    assert "text/plain" in r.text
    r = ca_client.patch(echo, data=b"\x00\x01")
    assert r.status_code == 200
    r = ca_client.delete(echo, headers=[("x-a", "1"), ("x-a", "2")])
    assert r.status_code == 200
    assert ca_client.head(kit.server("good") + "/").content == b""


def test_module_level_get(kit: Any, good_url: str) -> None:
    r = tlsguard.get(good_url, roots="none", ca_file=kit.pki("root_ca"), params={"a": "b"}, timeout=5.0)
    assert r.status_code == 200


@pytest.mark.parametrize(
    "kwargs",
    [
        {"roots": "everything"},
        {"timeout": -1},
        {"timeout": float("nan")},
        {"connect_timeout": float("inf")},
        {"max_redirects": -1},
        {"min_tls": "1.0"},
        {"verify": False},
        {"insecure": True},
        {"client_cert": "/x.pem"},
        {"headers": {"x-a": "a\r\nb: c"}},
        {"headers": {"x-a": "a\0b"}},
        {"headers": {"bad name": "v"}},
        {"proxy": "not a url"},
        {"client_key_password": "x"},
        {"timeout": "5"},
        {"allow_http": "yes"},
        {"http2": None, "no_such_option": 1},
    ],
)
def test_bad_options_are_invalid_input(kwargs: Any) -> None:
    with pytest.raises(tlsguard.InvalidInput) as info:
        tlsguard.Client(**kwargs)
    assert info.value.code.startswith("INVALID_")


def test_client_timeout_zero_is_no_limit() -> None:
    """The core's client option: ``timeout=0`` means no whole-request limit (manual/requests.md)."""
    assert not tlsguard.Client(timeout=0, read_timeout=0).closed


def test_unreadable_files_are_io(tmp_path: Path) -> None:
    with pytest.raises(tlsguard.InvalidInput) as info:
        tlsguard.Client(ca_file=str(tmp_path / "missing.pem"))
    assert info.value.code == "IO"
    with pytest.raises(tlsguard.InvalidInput) as info:
        tlsguard.Client(ca_file=tmp_path / "missing.pem")  # os.PathLike
    assert info.value.code == "IO"
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate")
    with pytest.raises(tlsguard.InvalidInput) as info:
        tlsguard.Client(ca_file=garbage)
    assert info.value.code in ("INVALID_PEM", "IO")


@pytest.mark.parametrize(
    "call",
    [
        lambda c, u: c.get(u, headers={"x-a": "a\r\nInjected: 1"}),
        lambda c, u: c.get(u, headers={"x-a": "a\0"}),
        lambda c, u: c.get(u, timeout=-1),
        lambda c, u: c.get(u, timeout=0),
        lambda c, u: c.get(u, timeout=float("nan")),
        lambda c, u: c.request("TRACE", u),
        lambda c, u: c.get("not a url"),
        lambda c, u: c.get(u, json=float("nan")),
        lambda c, u: c.post(u, data="x", json={}),
    ],
)
def test_bad_request_input_is_invalid_input(ca_client: tlsguard.Client, good_url: str, call: Any) -> None:
    with pytest.raises(tlsguard.InvalidInput) as info:
        call(ca_client, good_url)
    assert info.value.code.startswith("INVALID_")


@pytest.mark.parametrize(
    "call",
    [
        lambda c, u: c.get(u, headers={"x-a": 1}),
        lambda c, u: c.get(u, headers={1: "a"}),
        lambda c, u: c.get(u, headers=5),
        lambda c, u: c.get(u, params={"a": object()}),
        lambda c, u: c.get(u, timeout="5"),
        lambda c, u: c.get(u, timeout=True),
        lambda c, u: c.post(u, data=object()),
        lambda c, u: c.post(u, json=b"bytes"),
        lambda c, u: c.post(u, json={"k": object()}),
        lambda c, u: c.get(None),
        lambda c, u: c.request(None, u),
    ],
)
def test_wrong_types_are_type_errors(ca_client: tlsguard.Client, good_url: str, call: Any) -> None:
    with pytest.raises(TypeError):
        call(ca_client, good_url)


def test_wrong_option_types() -> None:
    with pytest.raises(TypeError):
        tlsguard.Client(pins=[object()])
    with pytest.raises(TypeError):
        tlsguard.Client(headers={1: "x"})


def test_circular_json_is_refused(ca_client: tlsguard.Client, good_url: str) -> None:
    loop: list = []
    loop.append(loop)
    with pytest.raises(tlsguard.InvalidInput):
        ca_client.post(good_url, json=loop)


def test_closed_client(kit: Any, good_url: str) -> None:
    c = tlsguard.Client(roots="none", ca_file=kit.pki("root_ca"))
    with c:
        assert c.get(good_url).ok and not c.closed
    assert c.closed
    with pytest.raises(tlsguard.InvalidInput) as info:
        c.get(good_url)
    assert "closed" in str(info.value)


def test_trust_report_and_pins(kit: Any) -> None:
    c = tlsguard.Client(roots="none", ca_file=kit.pki("root_ca"))
    rep = c.trust_report()
    assert rep.roots == "none" and rep.total >= 1
    assert any(s.kind == "ca_file" and s.loaded >= 1 for s in rep.sources)
    rep = tlsguard.trust_report(roots="mozilla")
    assert rep.total > 100 and rep.summary_lines()
    pin = tlsguard.Certificate.from_pem(Path(kit.pki("self_signed")).read_bytes()).spki_pin
    assert tlsguard.trust_report(roots="none", pins=[pin]).pin_only
    assert tlsguard.trust_report(roots="none", ca_file=kit.pki("root_ca")).warnings == []


def test_trust_report_warns_about_an_out_of_date_crl(kit: Any) -> None:
    rep = tlsguard.trust_report(roots="none", ca_file=kit.pki("root_ca"), crls=[kit.pki("crl_expired")])
    assert any("out of date" in w and "tlsguard Test Intermediate CA" in w for w in rep.warnings), rep.warnings
    assert any(line.startswith("CRL of 'tlsguard Test Intermediate CA'") for line in rep.summary_lines())
    pin = tlsguard.Certificate.from_pem(Path(kit.pki("self_signed")).read_bytes()).spki_pin
    with pytest.raises(tlsguard.InvalidInput, match="pin-only"):
        tlsguard.Client(roots="none", pins=[pin], crls=[kit.pki("crl")])


def test_http2_is_opt_in(kit: Any, good_url: str) -> None:
    default = tlsguard.Client(roots="none", ca_file=kit.pki("root_ca"))
    assert default.get(good_url).http_version == "HTTP/1.1"
    h2 = tlsguard.Client(roots="none", ca_file=kit.pki("root_ca"), http2=True)
    assert h2.get(good_url).http_version == "HTTP/2"


def test_concurrent_http1_requests_get_a_connection_each(kit: Any) -> None:
    """Eight overlapping HTTP/1.1 requests to one host use eight pooled connections (no
    per-host limit, as in undici); HTTP/2 multiplexes them."""
    url = kit.server("good") + "/conn-slow"

    async def ids(http2: bool) -> List[str]:
        async with tlsguard.AsyncClient(roots="none", ca_file=kit.pki("root_ca"), http2=http2) as c:
            rs = await asyncio.gather(*(c.get(url) for _ in range(8)))
            return [r.text for r in rs]

    assert len(set(asyncio.run(ids(False)))) == 8
    assert len(set(asyncio.run(ids(True)))) <= 2


def test_debug_log_on_stderr_with_tlsguard_log(kit: Any, good_url: str) -> None:
    """TLSGUARD_LOG=debug prints the core's debug log to stderr; without it, nothing."""
    import os
    import subprocess
    import sys

    code = (
        "import tlsguard; "
        f"c = tlsguard.Client(roots='none', ca_file={str(kit.pki('root_ca'))!r}, headers={{'authorization': 'Bearer s3cr3t'}}); "
        f"print(c.get({good_url + '?token=q5ecret'!r}).status_code)"
    )
    env = dict(os.environ, TLSGUARD_LOG="debug")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert p.stdout.strip() == "200", p.stderr
    for step in ("connecting to localhost:", "certificate chain verified", "200 OK from localhost", "new connection #"):
        assert step in p.stderr, p.stderr
    assert "s3cr3t" not in p.stderr and "q5ecret" not in p.stderr
    del env["TLSGUARD_LOG"]
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert p.stdout.strip() == "200" and p.stderr == "", p.stderr
