"""One-off calls (``tlsguard.get()`` etc.) share a client per distinct options (the core's
``Client::shared``): a loop of them reuses one connection, as Node's ``fetch()`` does."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import tlsguard


def test_one_off_calls_in_a_loop_reuse_one_connection(kit: Any) -> None:
    tlsguard.close_shared_clients()
    url = kit.server("good") + "/conn"
    ids = {tlsguard.get(url, roots="none", ca_file=kit.pki("root_ca")).text for _ in range(5)}
    assert len(ids) == 1, ids
    # Other options: another client, another connection; the first is still reused.
    other = tlsguard.get(url, roots="none", ca_file=kit.pki("root_ca"), http2=True).text
    assert other not in ids
    assert tlsguard.get(url, roots="none", ca_file=kit.pki("root_ca")).text in ids
    # Request arguments are not client options: they do not make another client.
    posted = tlsguard.post(url, roots="none", ca_file=kit.pki("root_ca"), json={"a": 1}, params={"b": "c"})
    assert posted.text in ids


def test_close_shared_clients_closes_their_connections(kit: Any) -> None:
    url = kit.server("good") + "/conn"
    first = tlsguard.get(url, roots="none", ca_file=kit.pki("root_ca")).text
    assert tlsguard.get(url, roots="none", ca_file=kit.pki("root_ca")).text == first
    tlsguard.close_shared_clients()
    assert tlsguard.get(url, roots="none", ca_file=kit.pki("root_ca")).text != first


def test_one_off_calls_with_a_cookie_jar_are_not_shared(kit: Any) -> None:
    url = kit.server("good") + "/conn"
    a = tlsguard.get(url, roots="none", ca_file=kit.pki("root_ca"), cookies=True).text
    b = tlsguard.get(url, roots="none", ca_file=kit.pki("root_ca"), cookies=True).text
    assert a != b


def test_one_off_errors_are_unchanged(kit: Any, good_url: str) -> None:
    with pytest.raises(tlsguard.CertificateError) as info:
        tlsguard.get(good_url)  # the kit's CA is not trusted by default
    assert info.value.code == "CERT_UNKNOWN_ISSUER"
    with pytest.raises(tlsguard.InvalidInput):
        tlsguard.get(good_url, roots="everything")


def test_one_off_calls_from_threads_share_the_client(kit: Any) -> None:
    from concurrent.futures import ThreadPoolExecutor

    url = kit.server("good") + "/conn"
    tlsguard.close_shared_clients()
    with ThreadPoolExecutor(4) as pool:
        texts = list(pool.map(lambda _: tlsguard.get(url, roots="none", ca_file=kit.pki("root_ca")).text, range(16)))
    # One pool: a few connections (one per request in flight, give or take one being returned
    # to the pool), not one per call.
    assert len(set(texts)) <= 8

    async def in_a_loop() -> int:
        # A one-off call inside a coroutine works too (it blocks the loop, as requests.get does).
        return tlsguard.get(url, roots="none", ca_file=kit.pki("root_ca")).status_code

    assert asyncio.run(in_a_loop()) == 200
