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


# -- iter_text, iter_lines, iter_raw; the async twins ---------------------------------------


def _bytes_url(kit: Any, content_type: str, body: bytes) -> str:
    from urllib.parse import quote

    return f"{kit.server('good')}/bytes?type={quote(content_type)}&hex={body.hex()}"


LINES = "one\ntwo\r\nthree\rfour\u2028five\n\nsix"
TEXTS = [
    ("text/plain; charset=utf-16", LINES.encode("utf-16")),
    ("text/plain; charset=iso-8859-1", "café\r\nnaïve\n".encode("iso-8859-1")),
    ("text/plain", ("ü" * 3000 + "\n" + "✓" * 5000).encode()),
]


@pytest.mark.parametrize("content_type,body", TEXTS, ids=[c for c, _ in TEXTS])
def test_iter_text_and_iter_lines_as_httpx(kit: Any, content_type: str, body: bytes) -> None:
    import ssl

    import httpx

    url = _bytes_url(kit, content_type, body)
    ctx = ssl.create_default_context(cafile=kit.pki("root_ca"))
    with httpx.Client(verify=ctx, trust_env=False) as peer:
        with peer.stream("GET", url) as theirs:
            want_text = "".join(theirs.iter_text())
        with peer.stream("GET", url) as theirs:
            want_lines = list(theirs.iter_lines())
    with _client(kit) as c:
        with c.stream("GET", url) as r:
            pieces = list(r.iter_text(7))  # 7 bytes at a time: characters split across pieces
            assert "".join(pieces) == want_text
        with c.stream("GET", url) as r:
            assert list(r.iter_lines()) == want_lines

        async def both() -> Any:
            async with tlsguard.AsyncClient(roots="none", ca_file=kit.pki("root_ca")) as ac:
                async with ac.stream("GET", url) as ar:
                    text = "".join([t async for t in ar.aiter_text(5)])
                async with ac.stream("GET", url) as ar:
                    lines = [line async for line in ar.aiter_lines()]
                return text, lines

        import asyncio

        assert asyncio.run(both()) == (want_text, want_lines)


def test_iter_raw_with_decompress_false(kit: Any) -> None:
    import gzip

    url = kit.server("good") + "/gzip"
    with _client(kit) as c:
        with c.stream("GET", url, decompress=False) as r:
            assert r.headers["content-encoding"] == "gzip"
            raw = b"".join(r.iter_raw())
        assert b'"text": "hello"' in gzip.decompress(raw) or b'"text":"hello"' in gzip.decompress(raw)
        assert c.get(url, decompress=False).content == raw
        with c.stream("GET", url) as r:
            with pytest.raises(tlsguard.InvalidInput, match="decompress=False"):
                r.iter_raw()


def test_async_stream_reads_a_large_body_in_order(kit: Any) -> None:
    import asyncio

    total = 5 * 1024 * 1024 + 3

    async def main() -> int:
        async with tlsguard.AsyncClient(roots="none", ca_file=kit.pki("root_ca")) as ac:
            async with ac.stream("GET", kit.server("good") + f"/stream?bytes={total}") as r:
                assert r.status_code == 200 and r.is_success and r.headers["content-length"] == str(total)
                got = 0
                async for chunk in r.aiter_bytes(65536):
                    assert 0 < len(chunk) <= 65536
                    assert chunk == bytes((got + i) % 251 for i in range(len(chunk)))
                    got += len(chunk)
                assert r.is_closed and await r.aread() == b""
            # The connection was read to its end: the client goes on.
            assert (await ac.get(kit.server("good") + "/json")).json() == {"hello": "world", "n": 1}
            async with ac.stream("GET", kit.server("good") + "/chunked") as r:
                assert await r.aread() == b"".join(f"chunk {i}\n".encode() for i in range(5))
            return got

    assert asyncio.run(main()) == total


def test_async_stream_errors_cancel_and_early_exit(kit: Any) -> None:
    import asyncio

    async def main() -> None:
        async with tlsguard.AsyncClient(roots="none", ca_file=kit.pki("root_ca"), read_timeout=0.5) as ac:
            async with ac.stream("GET", kit.server("good") + "/stall-body") as r:
                first = await r.aiter_bytes().__anext__()
                assert len(first) == 1024
                with pytest.raises(tlsguard.RequestTimeout, match="read_timeout"):
                    await r.aread()
            # Leaving the block early closes the stream.
            async with ac.stream("GET", kit.server("good") + "/stream?bytes=50000000") as r:
                async for _ in r.aiter_bytes():
                    break
            assert r.is_closed
            # Cancelling a task waiting for a chunk stops the read.
            async with ac.stream("GET", kit.server("good") + "/slow-body") as r:
                task = asyncio.ensure_future(r.aread())
                await asyncio.sleep(0.2)
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task
                assert r.is_closed
            with pytest.raises(tlsguard.CertificateError):
                async with tlsguard.AsyncClient().stream("GET", kit.server("good") + "/"):
                    pass
            async with ac.stream("GET", kit.server("good") + "/status/404") as r:
                assert not r.ok and r.is_error
                with pytest.raises(tlsguard.HTTPStatusError):
                    r.raise_for_status()
            with pytest.raises(tlsguard.InvalidInput, match="decompress=False"):
                async with ac.stream("GET", kit.server("good") + "/gzip") as r:
                    async for _ in r.aiter_raw():
                        pass

    asyncio.run(main())
