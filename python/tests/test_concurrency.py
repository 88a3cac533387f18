"""Threads, fork, asyncio, and the GIL being released during I/O."""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, List

import pytest

import tlsguard


def test_one_client_eight_threads(ca_client: tlsguard.Client, kit: Any) -> None:
    url = kit.server("good") + "/echo"
    barrier = threading.Barrier(8)

    def work(i: int) -> List[int]:
        barrier.wait()
        return [ca_client.get(url, params={"t": str(i), "n": str(n)}).status_code for n in range(5)]

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(work, range(8)))
    assert results == [[200] * 5] * 8


def test_gil_is_released_during_io(kit: Any) -> None:
    """While a request stalls (the kit's /slow route), another Python thread keeps running."""
    client = tlsguard.Client(roots="none", ca_file=kit.pki("root_ca"), timeout=1.0)
    done = threading.Event()
    ticks = 0

    def spin() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1

    t = threading.Thread(target=spin)
    t.start()
    try:
        with pytest.raises(tlsguard.RequestTimeout):
            client.get(kit.server("good") + "/slow")
    finally:
        done.set()
        t.join()
    assert ticks > 10_000


def _child(client: tlsguard.Client, url: str, queue: Any) -> None:
    try:
        queue.put(("ok", client.get(url).status_code))
    except BaseException as e:  # report, don't hang the parent
        queue.put(("err", repr(e)))


def test_client_works_after_fork(ca_client: tlsguard.Client, good_url: str) -> None:
    # Use the client (runtime + pool exist) before forking.
    assert ca_client.get(good_url).status_code == 200
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_child, args=(ca_client, good_url, queue)) for _ in range(2)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    assert results == [("ok", 200), ("ok", 200)]
    # And the parent's client still works.
    assert ca_client.get(good_url).status_code == 200


def test_asyncio_client(kit: Any, good_url: str) -> None:
    slow = kit.server("good") + "/slow"

    async def main() -> None:
        async with tlsguard.AsyncClient(roots="none", ca_file=kit.pki("root_ca"), timeout=1.0) as client:
            r = await client.get(good_url)
            assert r.status_code == 200
            # The loop is not blocked: a ticker runs while a request stalls.
            ticks = 0

            async def ticker() -> None:
                nonlocal ticks
                while True:
                    ticks += 1
                    await asyncio.sleep(0.01)

            t = asyncio.ensure_future(ticker())
            with pytest.raises(tlsguard.RequestTimeout):
                await client.get(slow)
            t.cancel()
            assert ticks > 20
            # Concurrent requests.
            rs = await asyncio.gather(*(client.post(kit.server("good") + "/echo", json={"i": i}) for i in range(10)))
            assert [r.status_code for r in rs] == [200] * 10
            with pytest.raises(tlsguard.CertificateError):
                await tlsguard.AsyncClient().get(good_url)  # kit CA not trusted

    start = time.monotonic()
    asyncio.run(main())
    assert time.monotonic() - start < 30


def test_ctrl_c_interrupts_a_request(kit: Any) -> None:
    """SIGINT during a stalled request raises KeyboardInterrupt promptly (not at the timeout)."""
    import os
    import signal

    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals are delivered to the main thread only")
    client = tlsguard.Client(roots="none", ca_file=kit.pki("root_ca"), timeout=20.0)
    timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
    start = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            client.get(kit.server("good") + "/slow")
    finally:
        timer.cancel()
    assert time.monotonic() - start < 5
    # The client still works afterwards.
    assert client.get(kit.server("good") + "/").status_code == 200


def test_close_from_a_signal_handler_during_a_request(kit: Any) -> None:
    """A SIGTERM handler that closes the client interrupts nothing and deadlocks nothing: the
    request in flight finishes, later ones raise InvalidInput (the client is closed)."""
    import signal

    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals are delivered to the main thread only")
    client = tlsguard.Client(roots="none", ca_file=kit.pki("root_ca"), timeout=20.0)
    calls = []
    previous = signal.signal(signal.SIGALRM, lambda *_: (calls.append(1), client.close()))
    signal.setitimer(signal.ITIMER_REAL, 0.3)
    start = time.monotonic()
    try:
        r = client.get(kit.server("good") + "/slow-body")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert calls == [1]
    assert r.status_code == 200
    assert time.monotonic() - start < 15
    assert client.closed
    with pytest.raises(tlsguard.InvalidInput):
        client.get(kit.server("good") + "/")


def test_asyncio_cancel_and_many(kit: Any) -> None:
    """Cancelling the await cancels the request; 50 concurrent requests need no threads."""

    async def main() -> None:
        async with tlsguard.AsyncClient(roots="none", ca_file=kit.pki("root_ca"), timeout=20.0) as client:
            task = asyncio.ensure_future(client.get(kit.server("good") + "/slow"))
            await asyncio.sleep(0.3)
            task.cancel()
            start = time.monotonic()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert time.monotonic() - start < 1
            threads = threading.active_count()
            rs = await asyncio.gather(*(client.get(kit.server("good") + "/echo", params={"i": str(i)}) for i in range(50)))
            assert all(r.status_code == 200 for r in rs)
            assert threading.active_count() <= threads + 1
            with pytest.raises(tlsguard.InvalidInput):
                await client.get("not a url")
            with pytest.raises(tlsguard.InvalidInput):
                await client.get(kit.server("good"), headers={"x": "a\r\nb"})

    asyncio.run(main())


def _open_fds() -> int:
    import os

    return len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else 0


def test_asyncio_one_notifier_per_loop(kit: Any, good_url: str) -> None:
    """Every client on a loop shares one notifier; a request needs no fd of its own, and
    nothing is left registered once requests finish, fail or are cancelled."""
    from tlsguard import _notifiers

    async def main() -> None:
        a = tlsguard.AsyncClient(roots="none", ca_file=kit.pki("root_ca"), timeout=20.0, http2=True)
        b = tlsguard.AsyncClient(roots="none", ca_file=kit.pki("root_ca"))
        assert (await a.get(good_url)).status_code == 200
        loop = asyncio.get_running_loop()
        notifier = _notifiers[loop]
        assert (await b.get(good_url)).status_code == 200
        assert _notifiers[loop] is notifier and len(notifier) == 0
        for round in range(3):
            rs = await asyncio.gather(*(c.get(good_url) for c in (a, b) for _ in range(20)))
            assert [r.status_code for r in rs] == [200] * 40
            if round == 0:
                fds = _open_fds()  # with the pooled connections
        # A request needs no fd of its own (40 in flight would add 40); a few new pooled
        # connections may appear when HTTP/2 requests race the first ALPN answer, or when an
        # HTTP/1.1 request starts before its connection went back to the pool.
        assert _open_fds() <= fds + 8 and len(notifier) == 0
        with pytest.raises(tlsguard.InvalidInput):
            await a.get("not a url")
        task = asyncio.ensure_future(a.get(kit.server("good") + "/slow"))
        await asyncio.sleep(0.2)
        assert len(notifier) == 1
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert len(notifier) == 0
        await a.aclose()
        await b.aclose()

    asyncio.run(main())
    asyncio.run(main())  # a new loop gets its own notifier


class _LoopWithoutReaders(asyncio.SelectorEventLoop):
    """A loop like Windows' Proactor loop as far as we are concerned: no add_reader."""

    def add_reader(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("add_reader")

    def remove_reader(self, *args: Any, **kwargs: Any) -> bool:
        raise NotImplementedError("remove_reader")


@pytest.mark.parametrize("loop_class", [asyncio.SelectorEventLoop, _LoopWithoutReaders], ids=["add_reader", "no_add_reader"])
def test_asyncio_any_loop_and_no_loop_kept_alive(kit: Any, good_url: str, loop_class: Any) -> None:
    """A loop with add_reader is woken through the notifier's socket, one without it (as Windows'
    Proactor loop) with call_soon_threadsafe; both work, and neither the loop nor its notifier
    outlive it."""
    import gc
    import weakref

    from tlsguard import _notifiers

    refs: List[Any] = []

    async def main() -> None:
        async with tlsguard.AsyncClient(roots="none", ca_file=kit.pki("root_ca"), timeout=20.0) as client:
            rs = await asyncio.gather(*(client.get(good_url) for _ in range(20)))
            assert [r.status_code for r in rs] == [200] * 20
            for _ in range(5):  # one at a time: each is its own wake-up
                assert (await client.get(good_url)).status_code == 200
            with pytest.raises(tlsguard.CertificateError):
                await tlsguard.AsyncClient().get(good_url)  # kit CA not trusted: the error arrives too
            task = asyncio.ensure_future(client.get(kit.server("good") + "/slow"))
            await asyncio.sleep(0.2)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            loop = asyncio.get_running_loop()
            refs.extend([weakref.ref(loop), weakref.ref(_notifiers[loop])])

    loop = loop_class()
    try:
        loop.run_until_complete(main())
    finally:
        loop.close()
    del loop
    gc.collect()
    assert [r() for r in refs] == [None, None], "the loop or its notifier was kept alive"
