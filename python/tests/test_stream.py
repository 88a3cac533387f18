"""Client.stream(): bodies read as they arrive (decoded, never held whole), with the read
timeout and early close."""

from __future__ import annotations

from typing import Any

import pytest

import tlsguard


def _client(kit: Any, **options: Any) -> tlsguard.Client:
    return tlsguard.Client(roots="none", ca_file=kit.pki("root_ca"), **options)


def test_a_streamed_body_arrives_in_order(kit: Any) -> None:
    total = 3 * 1024 * 1024 + 7
    with _client(kit) as c, c.stream("GET", kit.server("good") + f"/stream?bytes={total}") as r:
        assert r.status_code == 200 and r.headers["content-length"] == str(total)
        got = 0
        for chunk in r.iter_bytes(100_000):
            assert len(chunk) <= 100_000
            assert chunk == bytes((got + i) % 251 for i in range(len(chunk)))
            got += len(chunk)
        assert got == total and r.is_closed and r.read() == b""


def test_read_decodes_and_close_ends_early(kit: Any) -> None:
    c = _client(kit)
    with c.stream("GET", kit.server("good") + "/gzip") as r:
        assert b'"text": "hello"' in r.read()
    r = c.stream("GET", kit.server("good") + "/stream?bytes=10000000")
    assert len(r.read(10)) == 10
    r.close()
    assert r.is_closed and r.read() == b""
    # The half-read connection was closed, not pooled: the client goes on with a new one.
    assert c.get(kit.server("good") + "/json").json() == {"hello": "world", "n": 1}


def test_a_stalled_body_raises_request_timeout(kit: Any) -> None:
    c = _client(kit, read_timeout=0.5)
    r = c.stream("GET", kit.server("good") + "/stall-body")
    assert len(next(iter(r))) == 1024
    with pytest.raises(tlsguard.RequestTimeout) as info:
        r.read()
    assert "read_timeout" in str(info.value)
    assert r.is_closed
    with pytest.raises(tlsguard.InvalidInput):
        c.stream("GET", kit.server("good") + "/").iter_bytes(0)


@pytest.mark.parametrize("path", ["/stream?bytes=1000003", "/gzip", "/deflate", "/chunked"])
def test_streamed_bodies_match_httpx(kit: Any, path: str) -> None:
    """httpx's own client.stream() is the oracle: the same URL gives the same status, the same
    decoded bytes and the same Content-Encoding header (both keep it as received)."""
    import ssl

    import httpx

    url = kit.server("good") + path
    ctx = ssl.create_default_context(cafile=kit.pki("root_ca"))
    with httpx.Client(verify=ctx, trust_env=False) as peer, peer.stream("GET", url) as expected:
        want = (expected.status_code, b"".join(expected.iter_bytes()), expected.headers.get("content-encoding"))
    with _client(kit) as c, c.stream("GET", url) as r:
        got = (r.status_code, b"".join(r.iter_bytes()), r.headers.get("content-encoding"))
    assert got == want
