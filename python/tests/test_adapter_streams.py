"""Streaming through the adapters (requests' stream=True, httpx's byte streams) and 512 MiB
downloads in bounded memory through client.stream, the requests adapter and the httpx
transport."""

from __future__ import annotations

import asyncio
import os
import ssl
import subprocess
import sys
import textwrap
from typing import Any, Dict

import pytest

requests = pytest.importorskip("requests")
httpx = pytest.importorskip("httpx")

from tlsguard.adapters.httpx import TlsGuardAsyncTransport, TlsGuardTransport  # noqa: E402
from tlsguard.adapters.requests import TlsGuardAdapter  # noqa: E402

PATTERN = bytes(i % 251 for i in range(251 * 4300))  # the kit's /stream body: byte i is i % 251


def _session(kit: Any, **options: Any) -> Any:
    s = requests.Session()
    s.trust_env = False
    s.mount("https://", TlsGuardAdapter(roots="none", ca_file=kit.pki("root_ca"), **options))
    return s


def _hclient(kit: Any, **options: Any) -> Any:
    return httpx.Client(transport=TlsGuardTransport(roots="none", ca_file=kit.pki("root_ca"), **options))


def _peer_session(kit: Any) -> Any:
    s = requests.Session()
    s.trust_env = False
    s.verify = kit.pki("root_ca")
    return s


def test_requests_stream_true_reads_as_it_arrives(kit: Any) -> None:
    total = 3_000_017
    url = kit.server("good") + f"/stream?bytes={total}"
    with _session(kit) as s:
        r = s.get(url, stream=True)
        assert r.status_code == 200 and r.headers["content-length"] == str(total)
        assert not r._content_consumed  # nothing read yet
        first = r.raw.read(1000)
        assert first == PATTERN[:1000]
        got = len(first)
        for chunk in r.iter_content(100_000):
            assert 0 < len(chunk) <= 100_000
            assert chunk == PATTERN[got % 251 : got % 251 + len(chunk)]
            got += len(chunk)
        assert got == total
        # content still works on a streamed response not yet read ...
        assert s.get(url, stream=True).content == (PATTERN * 3)[:total]
        # ... and on one that was not streamed.
        assert len(s.get(url).content) == total
        # Closing a half-read response closes its connection; the session goes on.
        r = s.get(kit.server("good") + "/stream?bytes=50000000", stream=True)
        next(r.iter_content(10))
        r.close()
        assert s.get(kit.server("good") + "/json").json() == {"hello": "world", "n": 1}


@pytest.mark.parametrize("path", ["/gzip", "/deflate", "/chunked", "/stream?bytes=100001", "/status/204"])
def test_requests_streamed_bodies_match_requests(kit: Any, path: str) -> None:
    """requests itself (urllib3 + ssl) is the oracle: the same streamed body, lines and status."""
    url = kit.server("good") + path
    with _peer_session(kit) as peer, _session(kit) as ours:
        theirs = peer.get(url, stream=True)
        mine = ours.get(url, stream=True)
        assert mine.status_code == theirs.status_code
        assert b"".join(mine.iter_content(7)) == b"".join(theirs.iter_content(7))
        assert list(ours.get(url, stream=True).iter_lines()) == list(peer.get(url, stream=True).iter_lines())
        # The body is decoded once: no Content-Encoding is left for requests to decode again.
        assert "content-encoding" not in ours.get(url, stream=True).headers or path == "/chunked"


def test_requests_stream_errors_are_requests_errors(kit: Any) -> None:
    with _session(kit, read_timeout=0.5) as s:
        r = s.get(kit.server("good") + "/stall-body", stream=True, timeout=0.5)
        with pytest.raises(requests.exceptions.ConnectionError) as info:
            b"".join(r.iter_content(1024))
        chain = []
        e: Any = info.value
        while e is not None:
            chain.append(type(e).__name__)
            e = e.__cause__ or e.__context__ or (e.args[0] if e.args and isinstance(e.args[0], BaseException) else None)
        assert "RequestTimeout" in chain or "ReadTimeoutError" in chain, chain


def test_requests_streamed_upload_from_a_generator_and_a_file(kit: Any, tmp_path: Any) -> None:
    url = kit.server("good") + "/upload"
    path = tmp_path / "body.bin"
    path.write_bytes(PATTERN[:1_000_000])

    def gen() -> Any:
        for i in range(0, 300_000, 10_000):
            yield PATTERN[i : i + 10_000]

    with _session(kit) as s:
        r = s.post(url, data=gen()).json()
        assert (r["length"], r["pattern_ok"], r["chunked"]) == (300_000, True, True)
        with open(path, "rb") as f:
            r = s.put(url, data=f).json()
        assert (r["length"], r["pattern_ok"], r["chunked"]) == (1_000_000, True, False)


def test_httpx_transport_streams(kit: Any) -> None:
    total = 2_000_003
    url = kit.server("good") + f"/stream?bytes={total}"
    with _hclient(kit) as c:
        with c.stream("GET", url) as r:
            assert r.status_code == 200 and r.headers["content-length"] == str(total)
            assert isinstance(r.stream, httpx.SyncByteStream)
            got = 0
            for chunk in r.iter_bytes(65536):
                assert chunk == PATTERN[got % 251 : got % 251 + len(chunk)]
                got += len(chunk)
            assert got == total
        assert c.get(kit.server("good") + "/gzip").json()["text"] == "hello"
        # Leaving early closes the connection; the client goes on.
        with c.stream("GET", kit.server("good") + "/stream?bytes=50000000") as r:
            next(r.iter_raw())
        assert c.get(kit.server("good") + "/json").json() == {"hello": "world", "n": 1}
        assert c.head(url).headers["content-length"] == str(total)


@pytest.mark.parametrize("path", ["/gzip", "/deflate", "/chunked", "/stream?bytes=100001", "/status/204"])
def test_httpx_transport_streams_match_httpx(kit: Any, path: str) -> None:
    url = kit.server("good") + path
    ctx = ssl.create_default_context(cafile=kit.pki("root_ca"))
    with httpx.Client(verify=ctx, trust_env=False) as peer, peer.stream("GET", url) as theirs:
        want = (theirs.status_code, b"".join(theirs.iter_bytes()))
    with _hclient(kit) as c, c.stream("GET", url) as r:
        got = (r.status_code, b"".join(r.iter_bytes()))
    assert got == want


def test_httpx_transport_stream_errors(kit: Any) -> None:
    with _hclient(kit) as c:
        with c.stream("GET", kit.server("good") + "/stall-body", timeout=0.5) as r:
            with pytest.raises(httpx.ReadTimeout) as info:
                r.read()
            assert isinstance(info.value.__cause__, Exception) and "read_timeout" in str(info.value)


def test_httpx_transports_stream_uploads(kit: Any, tmp_path: Any) -> None:
    url = kit.server("good") + "/upload"

    def gen() -> Any:
        for i in range(0, 200_000, 10_000):
            yield PATTERN[i : i + 10_000]

    async def agen() -> Any:
        for i in range(0, 200_000, 10_000):
            await asyncio.sleep(0)
            yield PATTERN[i : i + 10_000]

    with _hclient(kit) as c:
        r = c.post(url, content=gen()).json()
        assert (r["length"], r["pattern_ok"], r["chunked"]) == (200_000, True, True)
        assert c.post(url, content=PATTERN[:5000]).json()["chunked"] is False
        # A file goes with the Content-Length httpx computed, as httpx's own transport sends it
        # (servers such as S3 refuse a chunked PUT).
        path = tmp_path / "f.bin"
        path.write_bytes(PATTERN[:300_001])
        ctx = ssl.create_default_context(cafile=kit.pki("root_ca"))
        with httpx.Client(verify=ctx, trust_env=False) as peer, open(path, "rb") as f:
            theirs = peer.put(url, content=f).json()
        with open(path, "rb") as f:
            ours = c.put(url, content=f).json()
        assert ours == theirs and (ours["length"], ours["pattern_ok"], ours["chunked"]) == (300_001, True, False)

    async def main() -> Dict[str, Any]:
        transport = TlsGuardAsyncTransport(roots="none", ca_file=kit.pki("root_ca"))
        async with httpx.AsyncClient(transport=transport) as ac:
            async with ac.stream("GET", kit.server("good") + "/stream?bytes=1000003") as r:
                assert isinstance(r.stream, httpx.AsyncByteStream)
                body = b"".join([c async for c in r.aiter_bytes()])
                assert body == (PATTERN * 2)[:1_000_003]
            got: Dict[str, Any] = (await ac.post(url, content=agen())).json()
            return got

    r = asyncio.run(main())
    assert (r["length"], r["pattern_ok"], r["chunked"]) == (200_000, True, True)


# -- 512 MiB in bounded memory ---------------------------------------------------------------

BIG = 512 * 1024 * 1024

_CHECK = """
import sys
PATTERN = bytes(i % 251 for i in range(251 * 4300))
def hwm():
    # VmHWM: this process's peak (ru_maxrss would include the forking parent's, on Linux).
    return int([l for l in open("/proc/self/status") if l.startswith("VmHWM:")][0].split()[1]) // 1024
got = 0
def take(chunk):
    global got
    if got % (64 << 20) < len(chunk):  # compare a piece every 64 MiB (the test's time goes to the transfer)
        assert chunk == PATTERN[got % 251 : got % 251 + len(chunk)], got
    got += len(chunk)
"""

_WAYS = {
    "client.stream": """
import tlsguard
c = tlsguard.Client(roots="none", ca_file=CA, timeout=300)
before = hwm()
with c.stream("GET", URL) as r:
    for chunk in r.iter_bytes():
        take(chunk)
""",
    "requests iter_content": """
import requests
from tlsguard.adapters.requests import TlsGuardAdapter
s = requests.Session()
s.mount("https://", TlsGuardAdapter(roots="none", ca_file=CA, timeout=300))
before = hwm()
r = s.get(URL, stream=True)
for chunk in r.iter_content(1 << 20):
    take(chunk)
""",
    "httpx transport": """
import httpx
from tlsguard.adapters.httpx import TlsGuardTransport
before = hwm()
with httpx.Client(transport=TlsGuardTransport(roots="none", ca_file=CA, timeout=300)) as c:
    with c.stream("GET", URL) as r:
        for chunk in r.iter_bytes():
            take(chunk)
""",
}


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="measures VmHWM (Linux)")
@pytest.mark.parametrize("way", list(_WAYS))
def test_a_512_mib_download_in_bounded_memory(kit: Any, way: str) -> None:
    url = kit.server("good") + f"/stream?bytes={BIG}&chunk=262144"
    code = f"CA = {kit.pki('root_ca')!r}\nURL = {url!r}\n" + _CHECK + textwrap.dedent(_WAYS[way])
    code += "\nprint(got, before, hwm())\n"
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    got, before, peak = map(int, p.stdout.split())
    print(f"{way}: 512 MiB, peak RSS {peak} MiB ({before} MiB before the download)")
    assert got == BIG
    assert peak < 150, f"{way}: peak RSS {peak} MiB for a 512 MiB download"


@pytest.mark.parametrize("way", ["client.stream", "requests", "httpx"])
def test_ctrl_c_interrupts_a_stalled_stream(kit: Any, way: str) -> None:
    """SIGINT while waiting for a stalled body raises KeyboardInterrupt promptly (the body's
    read_timeout is 60 s here), through each streaming API."""
    import signal
    import threading
    import time

    import tlsguard

    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals are delivered to the main thread only")
    url = kit.server("good") + "/stall-body"
    options: Dict[str, Any] = dict(roots="none", ca_file=kit.pki("root_ca"), read_timeout=60)
    timer = threading.Timer(0.7, lambda: os.kill(os.getpid(), signal.SIGINT))
    start = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            if way == "client.stream":
                with tlsguard.Client(**options) as c, c.stream("GET", url) as r:
                    timer.start()
                    r.read()
            elif way == "requests":
                with _session(kit, read_timeout=60) as s:
                    r = s.get(url, stream=True, timeout=60)
                    timer.start()
                    b"".join(r.iter_content(4096))
            else:
                with _hclient(kit, read_timeout=60) as c, c.stream("GET", url, timeout=60) as r:
                    timer.start()
                    r.read()
    finally:
        timer.cancel()
    assert time.monotonic() - start < 10
