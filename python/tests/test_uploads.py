"""Uploads: content= (bytes, file objects and iterators, streamed) and files= (multipart in the
core), against the kit's /upload (which counts and checks what arrives as it streams in)."""

from __future__ import annotations

import asyncio
import io
import os
import ssl
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Iterator

import pytest

import tlsguard

BLOCK = bytes(i % 251 for i in range(251 * 4096))  # the kit's pattern: byte i is i % 251


def pattern_file(path: Path, size: int) -> Path:
    with open(path, "wb") as f:
        left = size
        while left:
            n = min(left, len(BLOCK))
            f.write(BLOCK[:n])
            left -= n
    return path


def chunks(total: int, size: int = 10_000) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        n = min(size, total - sent)
        start = sent % 251
        yield (BLOCK[start:] + BLOCK)[:n]
        sent += n


def upload_url(kit: Any) -> str:
    return kit.server("good") + "/upload"


def test_content_bytes_file_and_iterator(ca_client: tlsguard.Client, kit: Any, tmp_path: Path) -> None:
    url = upload_url(kit)
    r = ca_client.post(url, content=BLOCK[:5000]).json()
    assert (r["length"], r["pattern_ok"], r["chunked"]) == (5000, True, False)
    path = pattern_file(tmp_path / "body.bin", 3_000_001)
    with open(path, "rb") as f:
        r = ca_client.put(url, content=f).json()
    assert (r["length"], r["pattern_ok"], r["chunked"]) == (3_000_001, True, False)  # with its length
    with open(path, "rb") as f:
        f.seek(1000)  # from the file's position, as requests and httpx send it
        r = ca_client.put(url, content=f).json()
    assert (r["length"], r["chunked"]) == (3_000_001 - 1000, False)
    r = ca_client.post(url, content=io.BytesIO(BLOCK[:777])).json()
    assert (r["length"], r["pattern_ok"], r["chunked"]) == (777, True, False)
    r = ca_client.post(url, content=chunks(1_234_567)).json()
    assert (r["length"], r["pattern_ok"], r["chunked"]) == (1_234_567, True, True)  # chunked, as httpx
    r = ca_client.post(url, content="héllo").json()
    assert r["text"] == "héllo"
    # requests' shape: a file object or an iterator given as data= is streamed too.
    with open(path, "rb") as f:
        assert ca_client.post(url, data=f).json()["length"] == 3_000_001
    assert ca_client.post(url, data=iter([b"ab", b"", b"c"])).json()["text"] == "abc"


def test_content_errors(ca_client: tlsguard.Client, kit: Any) -> None:
    url = upload_url(kit)
    with pytest.raises(tlsguard.InvalidInput, match="only one of content and data"):
        ca_client.post(url, content=b"a", data=b"b")
    with pytest.raises(tlsguard.InvalidInput):
        ca_client.post(url, content=b"a", json={})
    with pytest.raises(TypeError):
        ca_client.post(url, content=12)  # type: ignore[arg-type]

    def broken() -> Iterator[bytes]:
        yield b"x"
        raise RuntimeError("generator failed")

    with pytest.raises(tlsguard.TlsGuardError) as info:
        ca_client.post(url, content=broken())
    assert "generator failed" in str(info.value) or "generator failed" in str(info.value.__cause__)
    # A stream is sent once: a 307 that would send it again is refused.
    with pytest.raises(tlsguard.TlsGuardError) as info:
        ca_client.post(kit.server("good") + "/redirect/307-upload", content=chunks(10))
    assert info.value.code == "REDIRECT_REFUSED"
    # ... a file on disk is sent again.
    r = ca_client.post(kit.server("good") + "/redirect/307-upload", files={"f": ("a.bin", BLOCK[:10])})
    assert r.status_code == 200 and r.json()["parts"][0]["length"] == 10


def test_files_and_data_as_httpx_sends_them(ca_client: tlsguard.Client, kit: Any, tmp_path: Path) -> None:
    httpx = pytest.importorskip("httpx")
    path = pattern_file(tmp_path / "data.bin", 100_003)

    def call(send: Any) -> Any:
        with open(path, "rb") as f:
            files = {
                "disk": ("data.bin", f, "application/octet-stream"),
                "mem": ("notes.txt", io.BytesIO(b"some notes"), "text/plain"),
                "raw": ("raw.bin", BLOCK[:300], "application/x-raw"),
            }
            return send(upload_url(kit), data={"field": "value", "n": 1}, files=files).json()

    ours = call(ca_client.post)
    with httpx.Client(verify=ssl.create_default_context(cafile=kit.pki("root_ca")), trust_env=False) as peer:
        theirs = call(peer.post)
    assert ours["parts"] == theirs["parts"]
    names = [(p["name"], p["filename"], p["length"]) for p in ours["parts"]]
    assert names == [("field", None, 5), ("n", None, 1), ("disk", "data.bin", 100_003), ("mem", "notes.txt", 10), ("raw", "raw.bin", 300)]
    assert ours["content_type"].startswith("multipart/form-data; boundary=")


def test_files_shapes(ca_client: tlsguard.Client, kit: Any, tmp_path: Path) -> None:
    path = pattern_file(tmp_path / "report.pdf", 1000)
    with open(path, "rb") as f:
        parts = ca_client.post(upload_url(kit), files={"doc": f, "blob": b"xyz", "plain": (None, "just a field")}).json()["parts"]
    assert [(p["name"], p["filename"]) for p in parts] == [("doc", "report.pdf"), ("blob", "upload"), ("plain", None)]
    assert parts[0]["pattern_ok"] and parts[0]["length"] == 1000 and parts[2]["text"] == "just a field"
    parts = ca_client.post(upload_url(kit), files=[("f", ("a.txt", "é"))]).json()["parts"]
    assert parts[0]["text"] == "é"
    with pytest.raises(tlsguard.InvalidInput):
        ca_client.post(upload_url(kit), files={"f": ("a", b"x", "text/plain", {"X-H": "1"})})  # type: ignore[dict-item]
    with pytest.raises(TypeError):
        ca_client.post(upload_url(kit), files={"f": 5})  # type: ignore[dict-item]
    with pytest.raises(TypeError):
        ca_client.post(upload_url(kit), data=b"raw", files={"f": b"x"})


def test_async_uploads(kit: Any, tmp_path: Path) -> None:
    path = pattern_file(tmp_path / "a.bin", 2_000_000)

    async def main() -> Any:
        async with tlsguard.AsyncClient(roots="none", ca_file=kit.pki("root_ca")) as c:
            with open(path, "rb") as f:
                a = (await c.post(upload_url(kit), content=f)).json()
            b = (await c.post(upload_url(kit), content=chunks(50_000))).json()
            d = (await c.post(upload_url(kit), files={"f": open(path, "rb")})).json()
            return a, b, d

    a, b, d = asyncio.run(main())
    assert (a["length"], a["pattern_ok"], b["length"], b["chunked"]) == (2_000_000, True, 50_000, True)
    assert d["parts"][0]["length"] == 2_000_000 and d["parts"][0]["pattern_ok"]


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="measures VmHWM (Linux)")
def test_a_200_mib_multipart_upload_from_a_file_with_bounded_memory(kit: Any, tmp_path: Path) -> None:
    size = 200 * 1024 * 1024
    path = pattern_file(tmp_path / "big.bin", size)
    code = textwrap.dedent(
        f"""
        import tlsguard
        c = tlsguard.Client(roots="none", ca_file={kit.pki('root_ca')!r}, timeout=300)
        with open({str(path)!r}, "rb") as f:
            r = c.post({upload_url(kit)!r}, data={{"note": "big"}}, files={{"big": f}}).json()
        part = r["parts"][1]
        # VmHWM: this process's peak (ru_maxrss would include the forking parent's, on Linux).
        hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")][0].split()[1]
        print(part["length"], part["pattern_ok"], int(hwm) // 1024)
        """
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    length, ok, peak_mib = p.stdout.split()
    assert (int(length), ok) == (size, "True")
    assert int(peak_mib) < 100, f"peak RSS {peak_mib} MiB for a {size >> 20} MiB upload"
    os.unlink(path)
