"""MockTransport, event hooks, per-request retries=, response.cookies, AsyncClient's
content= as an async iterator, and typed keyword arguments (mypy catches a misspelt option)."""

from __future__ import annotations

import asyncio
import os
import ssl
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path
from typing import Any, AsyncIterator, List
from urllib.parse import quote

import pytest

import tlsguard

PATTERN = bytes(i % 251 for i in range(251 * 1000))


def _client(kit: Any, **options: Any) -> tlsguard.Client:
    return tlsguard.Client(roots="none", ca_file=kit.pki("root_ca"), **options)


# -- MockTransport ---------------------------------------------------------------------------


def test_mock_transport_answers_without_a_network() -> None:
    seen: List[tlsguard.Request] = []

    def handler(request: tlsguard.Request) -> tlsguard.Response:
        seen.append(request)
        if request.url.endswith("/missing"):
            return tlsguard.Response(404, text="no such thing")
        return tlsguard.Response(200, json={"method": request.method, "got": request.content.decode()})

    client = tlsguard.Client(
        transport=tlsguard.MockTransport(handler), base_url="https://api.example/v1/", headers={"x-client": "1"}
    )
    r = client.post("items", params={"page": 2, "all": True, "skip": None}, json={"a": [1, 2]}, headers={"x-req": "2"})
    assert r.json() == {"method": "POST", "got": '{"a":[1,2]}'}
    req = seen[-1]
    assert req.url == "https://api.example/v1/items?page=2&all=true"
    assert (req.headers["x-client"], req.headers["x-req"], req.headers["content-type"]) == ("1", "2", "application/json")
    r = client.get("https://other.example/missing")
    assert r.status_code == 404 and not r and r.text == "no such thing"
    with pytest.raises(tlsguard.HTTPStatusError):
        r.raise_for_status()
    client.put("x", data={"k": "v w"})
    assert seen[-1].content == b"k=v+w" and seen[-1].headers["content-type"] == "application/x-www-form-urlencoded"
    client.put("x", content=iter([b"ab", b"c"]))
    assert seen[-1].content == b"abc"
    # A failure raised by the handler reaches the caller as it is.
    def failing(request: tlsguard.Request) -> tlsguard.Response:
        raise tlsguard.NetworkError("DNS: simulated", code="DNS", category="network", message="simulated")

    with pytest.raises(tlsguard.NetworkError):
        tlsguard.Client(transport=tlsguard.MockTransport(failing)).get("https://x.example/")
    # stream() answers with the handler's response, read from memory.
    with client.stream("GET", "lines") as s:
        assert s.status_code == 200 and s.is_success and s.headers["content-type"] == "application/json"
        assert list(s.iter_lines()) == ['{"method":"GET","got":""}'] and s.is_closed
    with client.stream("GET", "lines") as s:
        assert s.read(3) == b'{"m' and b"".join(s.iter_bytes(4)) == b'ethod":"GET","got":""}'
    with pytest.raises(tlsguard.InvalidInput, match="files="):
        client.post("x", files={"f": b"x"})
    with pytest.raises(TypeError):
        tlsguard.Client(transport=object())  # type: ignore[arg-type]


def test_mock_transport_on_async_client_takes_a_coroutine_handler() -> None:
    async def handler(request: tlsguard.Request) -> tlsguard.Response:
        await asyncio.sleep(0)
        return tlsguard.Response(201, headers={"location": request.url})

    async def parts() -> AsyncIterator[bytes]:
        yield b"a"
        yield b"b"

    async def main() -> tlsguard.Response:
        async with tlsguard.AsyncClient(transport=tlsguard.MockTransport(handler)) as c:
            async with c.stream("PUT", "https://api.example/s", content=parts()) as s:
                assert s.status_code == 201 and s.headers["location"] == "https://api.example/s"
                assert await s.aread() == b"" and s.is_closed
            return await c.post("https://api.example/things", content=parts())

    r = asyncio.run(main())
    assert (r.status_code, r.headers["location"]) == (201, "https://api.example/things")

    async def echo(request: tlsguard.Request) -> tlsguard.Response:
        return tlsguard.Response(200, content=request.content * 3)

    async def streamed() -> List[str]:
        async with tlsguard.AsyncClient(transport=tlsguard.MockTransport(echo)) as c:
            async with c.stream("POST", "https://x.example/", content=parts()) as s:
                return [line async for line in s.aiter_text(2)]

    assert "".join(asyncio.run(streamed())) == "ababab"


# -- event hooks -----------------------------------------------------------------------------


def test_event_hooks_see_every_request_and_response(kit: Any) -> None:
    log: List[str] = []

    def on_request(request: tlsguard.Request) -> None:
        log.append(f"{request.method} {request.url} {request.headers.get('x-a')}")

    def on_response(response: Any) -> None:
        log.append(f"{response.status_code}")
        response.raise_for_status()  # httpx's idiom: raise on 4xx/5xx for every request

    c = _client(kit, event_hooks={"request": [on_request], "response": [on_response]})
    base = kit.server("good")
    assert c.get(base + "/json", params={"q": "1"}, headers={"x-a": "b"}).json()["n"] == 1
    with pytest.raises(tlsguard.HTTPStatusError):
        c.get(base + "/status/500")
    with c.stream("GET", base + "/stream?bytes=10") as r:
        assert r.read() == PATTERN[:10]
    assert log == [f"GET {base}/json?q=1 b", "200", f"GET {base}/status/500 None", "500", f"GET {base}/stream?bytes=10 None", "200"]
    with pytest.raises(tlsguard.InvalidInput, match="unknown event"):
        _client(kit, event_hooks={"requests": []})

    async def main() -> List[str]:
        seen: List[str] = []

        async def a_request(request: tlsguard.Request) -> None:
            seen.append(request.url)

        async with tlsguard.AsyncClient(
            roots="none", ca_file=kit.pki("root_ca"),
            event_hooks={"request": [a_request], "response": [lambda r: seen.append(str(r.status_code))]},
        ) as ac:
            await ac.get(base + "/json")
            async with ac.stream("GET", base + "/status/204") as r:
                await r.aread()
        return seen

    assert asyncio.run(main()) == [base + "/json", "200", base + "/status/204", "204"]


# -- per-request retries, response.cookies ---------------------------------------------------


def test_per_request_retries(kit: Any) -> None:
    url = kit.server("good") + "/flaky?fail=2&key="
    c = _client(kit)
    assert c.get(url + uuid.uuid4().hex).status_code == 503
    r = c.get(url + uuid.uuid4().hex, retries=2)
    assert (r.status_code, r.text) == (200, "attempt 3")
    r = _client(kit, retries=5).get(url + uuid.uuid4().hex, retries=0)  # the request's wins
    assert (r.status_code, r.text) == (503, "attempt 1")
    r = tlsguard.get(url + uuid.uuid4().hex, roots="none", ca_file=kit.pki("root_ca"), retries={"max": 2, "backoff": 0})
    assert (r.status_code, r.text) == (200, "attempt 3")


def test_response_cookies_are_those_it_set_as_requests_and_httpx_read_them(kit: Any) -> None:
    import httpx
    import requests

    cookies = ["a=1; Path=/", "b=two; Max-Age=60", "gone=x; Max-Age=0", "other=1; Domain=elsewhere.example"]
    url = kit.server("good") + "/set-cookie?" + "&".join("c=" + quote(c) for c in cookies)
    r = _client(kit).get(url)
    assert r.cookies == {"a": "1", "b": "two"}
    with _client(kit).stream("GET", url) as s:
        assert s.cookies == {"a": "1", "b": "two"}
    with httpx.Client(verify=ssl.create_default_context(cafile=kit.pki("root_ca"))) as peer:
        assert dict(peer.get(url).cookies) == r.cookies
    theirs = requests.get(url, verify=kit.pki("root_ca"))
    assert theirs.cookies.get_dict() == r.cookies
    assert _client(kit).get(kit.server("good") + "/json").cookies == {}


# -- AsyncClient content= async iterator -----------------------------------------------------


def test_async_iterator_content_is_streamed(kit: Any) -> None:
    pulled: List[int] = []

    async def body() -> AsyncIterator[bytes]:
        for i in range(0, 200_000, 20_000):
            pulled.append(i)
            await asyncio.sleep(0.001)
            yield PATTERN[i : i + 20_000]

    async def failing() -> AsyncIterator[bytes]:
        yield b"x"
        raise RuntimeError("async source failed")

    async def main() -> Any:
        async with tlsguard.AsyncClient(roots="none", ca_file=kit.pki("root_ca")) as c:
            r = (await c.post(kit.server("good") + "/upload", content=body())).json()
            async with c.stream("PUT", kit.server("good") + "/upload", content=body()) as s:
                streamed = tlsguard.Response(200, content=await s.aread()).json()
            with pytest.raises(tlsguard.TlsGuardError) as info:
                await c.post(kit.server("good") + "/upload", content=failing())
            return r, streamed, info.value

    r, streamed, error = asyncio.run(main())
    assert (r["length"], r["pattern_ok"], r["chunked"]) == (200_000, True, True)
    assert (streamed["length"], streamed["pattern_ok"]) == (200_000, True)
    assert "async source failed" in str(error) or "async source failed" in str(error.__cause__)
    assert len(pulled) == 20


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="measures VmHWM (Linux)")
def test_a_200_mib_async_iterator_upload_with_bounded_memory(kit: Any) -> None:
    code = textwrap.dedent(
        f"""
        import asyncio, tlsguard
        BLOCK = bytes(i % 251 for i in range(251 * 1044))  # 256 KiB + a bit: pieces keep the pattern
        async def body():
            for _ in range(800):
                yield BLOCK[: 251 * 1044]
        async def main():
            async with tlsguard.AsyncClient(roots="none", ca_file={kit.pki('root_ca')!r}, timeout=300) as c:
                return (await c.post({kit.server('good') + '/upload'!r}, content=body())).json()
        r = asyncio.run(main())
        hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")][0].split()[1]
        print(r["length"], r["pattern_ok"], int(hwm) // 1024)
        """
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    length, ok, peak = p.stdout.split()
    print(f"async iterator upload: {int(length) >> 20} MiB, peak RSS {peak} MiB")
    assert (int(length), ok) == (800 * 251 * 1044, "True")
    assert int(peak) < 100


# -- typed keyword arguments -----------------------------------------------------------------


def _mypy(tmp_path: Path, code: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "user.py").write_text(textwrap.dedent(code))
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", str(tmp_path / "c"), "user.py"],
        capture_output=True, text=True, cwd=tmp_path,
    )


def test_mypy_catches_a_misspelt_option(tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    good = """
        import tlsguard
        c = tlsguard.Client(read_timeout=5.0, max_response_bytes=10)
        c.get("https://x", params={"a": 1}, follow_redirects=False, retries=2, timeout=tlsguard.Timeout(5, read=2))
        tlsguard.get("https://x", ca_file="ca.pem", timeout=3.0, follow_redirects=True)
        async def f(a: tlsguard.AsyncClient) -> None:
            await a.post("https://x", json={"a": 1}, auth=("u", "p"))
    """
    r = _mypy(tmp_path, good)
    assert r.returncode == 0, r.stdout + r.stderr
    for bad, name in [
        ('tlsguard.Client().get("https://x", follow_redirect=False)', "follow_redirect"),
        ('tlsguard.get("https://x", ca_flie="ca.pem")', "ca_flie"),
        ('tlsguard.Client(read_timout=1.0)', "read_timout"),
        ('tlsguard.Client().post("https://x", jsn={})', "jsn"),
    ]:
        r = _mypy(tmp_path, "import tlsguard\n" + bad + "\n")
        assert r.returncode != 0 and name in r.stdout, (bad, r.stdout)


def test_the_typed_options_are_every_core_option(tmp_path: Path) -> None:
    """Each client option the core takes type-checks on Client() and the one-off calls (so a
    new core option cannot be missing from the TypedDicts)."""
    pytest.importorskip("mypy")
    names = sorted(tlsguard._native._client_defaults())
    assert len(names) >= 30
    lines = ["from typing import Any, cast", "import tlsguard", "x: Any = cast(Any, None)"]
    for name in names:
        lines.append(f"tlsguard.Client({name}=x)")
        if name not in ("headers", "auth", "retries"):  # on one-off calls these are the request's
            lines.append(f'tlsguard.get("https://x", {name}=x)')
    r = _mypy(tmp_path, "\n".join(lines) + "\n")
    assert r.returncode == 0, r.stdout + r.stderr

