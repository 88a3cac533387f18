#!/usr/bin/env python3
"""The Python rows of tlsguard's benchmarks: tlsguard and its peers, one measurement per process.

Follows the client contract of bench/README.md:

    client.py --client NAME --workload W --n N --url https://127.0.0.1:PORT --ca ROOT.pem
              [--concurrency C] [--http2] [--leaf LEAF.pem --chain INTER.pem --host localhost]

prints one JSON line on stdout, e.g. {"ops": 5000, "seconds": 1.23, "bytes": 5120000, "http": "HTTP/1.1"},
and exits 0. Exit 1: a failure (status not 200, a body of the wrong length, any exception; the
message is on stderr). Exit 3: this client does not run this workload (e.g. M1 for a peer).

What each client does per workload (peers as in shared/research/peer-performance.md, "Clients"):

| client         | W1, W3, M1: sequential GETs             | W2: new connection each      | W4: C in flight            |
|----------------|-----------------------------------------|------------------------------|----------------------------|
| tlsguard       | tlsguard.Client(roots="none", ca_file)  | keep_alive=False             | threads                    |
| tlsguard-async | tlsguard.AsyncClient, sequential awaits | keep_alive=False             | C asyncio tasks            |
| requests       | Session(verify=root, trust_env=False)   | `Connection: close` header   | threads, pool_maxsize=C    |
| httpx          | httpx.Client(HTTP/1.1, verify=ctx)      | max_keepalive_connections=0  | threads, max_connections=C |
| httpx-async    | httpx.AsyncClient(HTTP/1.1, verify=ctx) | max_keepalive_connections=0  | C tasks, max_connections=C |
| urllib3        | PoolManager(ca_certs=root)              | `Connection: close` header   | threads, maxsize=C         |
| aiohttp        | ClientSession(TCPConnector(ssl=ctx))    | TCPConnector(force_close)    | C tasks, limit=C           |
| pycurl         | one Curl handle reused, HTTP/1.1        | FRESH_CONNECT + FORBID_REUSE | CurlMulti, C handles       |

("threads": a ThreadPoolExecutor(C) sharing the one client object.)

Peers always speak HTTP/1.1; so does tlsguard unless --http2 (h2 offered by ALPN). Every body is read
whole into memory and its length checked, every status checked. The timer starts after the
client object is built (trust loaded) and stops after the last body is read. W4 workers (threads
or tasks) take requests from one shared counter until N are done.

Certificates (--leaf, --chain, --host): `tlsguard` and `cryptography`.
  C1-parse   parse the leaf PEM (read into memory once) N times:
             tlsguard.Certificate.from_pem / cryptography x509.load_pem_x509_certificate.
  C1-verify  verify leaf + intermediate for --host against the root only, N times, on certificates
             parsed once: cryptography's server verifier (PolicyBuilder + Store([root])) is built
             once; so is tlsguard.Verifier(roots="none", ca_pem=root), then .verify([leaf, inter], host).

Only the library of the chosen client is imported: the runner measures each process's peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import threading
import time

# Environment this machine sets that would change what a library trusts (REQUESTS_CA_BUNDLE,
# SSL_CERT_FILE ...) or where it connects (*_proxy). Removed before any library is imported.
TRUST_ENV = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR")
for _name in list(os.environ):
    if _name in TRUST_ENV or _name.lower().endswith("_proxy"):
        del os.environ[_name]

HTTP_CLIENTS = ["tlsguard", "tlsguard-async", "requests", "httpx", "httpx-async", "urllib3", "aiohttp", "pycurl",
                "tlsguard-get", "requests-get", "httpx-get"]
CERT_CLIENTS = ["tlsguard", "cryptography"]
PATHS = {"W1": "/1k", "W2": "/1k", "W3": "/10m", "W4": "/1k", "M1": "/1k", "S1": "/256m"}  # HTTP workloads
SIZES = {"/1k": 1024, "/10m": 10 * 1024 * 1024, "/256m": 256 * 1024 * 1024}  # expected body length per path
#: S1 (a streamed download): the clients with a streaming API read the body in chunks of this
#: size and count it (tlsguard: Client.stream() and iter_bytes(); its asyncio row joins when the
#: async bridge streams).
STREAM_CHUNK = 64 * 1024
STREAMING = {"tlsguard", "tlsguard-async", "requests", "httpx", "httpx-async", "urllib3", "aiohttp", "pycurl"}
CERT_WORKLOADS = ["C1-parse", "C1-verify"]
M1_FIRST = 1000  # M1: rss_start_kib is read after this many requests


class Unsupported(Exception):
    """This client does not run this workload (exit 3)."""


class Failure(Exception):
    """A wrong response: status not 200 or a body of the wrong length (exit 1)."""


def check(status: int, body, size: int) -> int:
    """Checks one response (its body, or for S1 the number of bytes streamed); returns the body
    length (to add to "bytes")."""
    if status != 200:
        raise Failure(f"status {status}, expected 200")
    got = body if isinstance(body, int) else len(body)
    if got != size:
        raise Failure(f"body of {got} bytes, expected {size}")
    return size


def vmrss_kib() -> int:
    """The process's resident set size now (VmRSS of /proc/self/status), in KiB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def http_name(version: int) -> str:
    """urllib3/http.client version numbers (11, 20) as "HTTP/1.1", "HTTP/2"."""
    return {10: "HTTP/1.0", 11: "HTTP/1.1", 20: "HTTP/2"}.get(version, str(version))


def result(n: int, seconds: float, nbytes: int, http: str | None, **extra: int) -> dict:
    out = {"ops": n, "seconds": round(seconds, 6), "bytes": nbytes}
    if http:
        out["http"] = http
    out.update(extra)
    return out


# ---------------------------------------------------------------- the workload drivers
# A sync client is a function get(url) -> (status, body bytes, http version); an async one the
# same as a coroutine function. These two drivers time every HTTP workload except pycurl's W4
# (a CurlMulti loop of its own, in http_pycurl); run_cert times the certificate workloads.


def run_sync(a: argparse.Namespace, get) -> dict:
    """W1/W2/W3/M1: N GETs one after another on this thread; W4: C threads (a ThreadPoolExecutor
    of C workers) sharing `get`'s client, each taking requests from one counter until N are done."""
    url, size, n = a.url + PATHS[a.workload], SIZES[PATHS[a.workload]], a.n
    if a.workload != "W4":
        extra, total, http = {}, 0, None
        start = time.perf_counter()
        for i in range(1, n + 1):
            status, body, http = get(url)
            total += check(status, body, size)
            if a.workload == "M1" and i == min(M1_FIRST, n):
                extra["rss_start_kib"] = vmrss_kib()
        seconds = time.perf_counter() - start
        if a.workload == "M1":
            extra["rss_end_kib"] = vmrss_kib()
        return result(n, seconds, total, http, **extra)

    from concurrent.futures import ThreadPoolExecutor

    lock, left = threading.Lock(), [n]  # requests not yet taken by a worker

    def worker() -> tuple:
        total, http = 0, None
        try:
            while True:
                with lock:
                    if left[0] == 0:
                        return total, http
                    left[0] -= 1
                status, body, http = get(url)
                total += check(status, body, size)
        except BaseException:
            with lock:
                left[0] = 0  # stop the other workers too
            raise

    start = time.perf_counter()
    with ThreadPoolExecutor(a.concurrency) as pool:
        outcomes = [f.result() for f in [pool.submit(worker) for _ in range(a.concurrency)]]
    seconds = time.perf_counter() - start
    return result(n, seconds, sum(t for t, _ in outcomes), next((h for _, h in outcomes if h), None))


async def run_async(a: argparse.Namespace, get) -> dict:
    """The same as run_sync for a coroutine get(url): sequential awaits for W1/W2/W3/M1, and for
    W4 C tasks on this event loop taking requests from one counter until N are done."""
    url, size, n = a.url + PATHS[a.workload], SIZES[PATHS[a.workload]], a.n
    if a.workload != "W4":
        extra, total, http = {}, 0, None
        start = time.perf_counter()
        for i in range(1, n + 1):
            status, body, http = await get(url)
            total += check(status, body, size)
            if a.workload == "M1" and i == min(M1_FIRST, n):
                extra["rss_start_kib"] = vmrss_kib()
        seconds = time.perf_counter() - start
        if a.workload == "M1":
            extra["rss_end_kib"] = vmrss_kib()
        return result(n, seconds, total, http, **extra)

    left = n  # one event loop thread: no lock needed

    async def worker() -> tuple:
        nonlocal left
        total, http = 0, None
        while left > 0:
            left -= 1
            status, body, http = await get(url)
            total += check(status, body, size)
        return total, http

    start = time.perf_counter()
    outcomes = await asyncio.gather(*(worker() for _ in range(a.concurrency)))
    seconds = time.perf_counter() - start
    return result(n, seconds, sum(t for t, _ in outcomes), next((h for _, h in outcomes if h), None))


# ---------------------------------------------------------------- HTTP clients


def http_tlsguard(a: argparse.Namespace) -> dict:
    import tlsguard

    # Only the bench root is trusted (roots="none": no public roots, no SSL_CERT_* from the env).
    client = tlsguard.Client(roots="none", ca_file=a.ca, http2=a.http2, keep_alive=a.workload != "W2")

    def get(url):
        if a.workload == "S1":
            with client.stream("GET", url) as r:
                return r.status_code, sum(map(len, r.iter_bytes(STREAM_CHUNK))), r.http_version
        r = client.get(url)
        return r.status_code, r.content, r.http_version  # .content copies the body into a bytes

    with client:
        return run_sync(a, get)


def http_tlsguard_async(a: argparse.Namespace) -> dict:
    import tlsguard

    async def main():
        async with tlsguard.AsyncClient(
            roots="none", ca_file=a.ca, http2=a.http2, keep_alive=a.workload != "W2"
        ) as client:

            async def get(url):
                if a.workload == "S1":
                    async with client.stream("GET", url) as r:
                        n = 0
                        async for chunk in r.aiter_bytes(STREAM_CHUNK):
                            n += len(chunk)
                        return r.status_code, n, r.http_version
                r = await client.get(url)
                return r.status_code, r.content, r.http_version

            return await run_async(a, get)

    return asyncio.run(main())


def http_requests(a: argparse.Namespace) -> dict:
    import requests
    from requests.adapters import HTTPAdapter

    session = requests.Session()
    session.verify = a.ca  # requests builds an SSLContext from this path per new connection
    session.trust_env = False
    session.mount("https://", HTTPAdapter(pool_maxsize=a.concurrency))  # W4: C pooled connections
    headers = {"Connection": "close"} if a.workload == "W2" else None

    def get(url):
        if a.workload == "S1":
            with session.get(url, stream=True) as r:
                return r.status_code, sum(map(len, r.iter_content(STREAM_CHUNK))), http_name(r.raw.version)
        r = session.get(url, headers=headers)
        return r.status_code, r.content, http_name(r.raw.version)

    with session:
        return run_sync(a, get)


def httpx_limits(httpx, a: argparse.Namespace):
    """W2: no idle connection kept. Otherwise up to C connections, all kept alive (httpx keeps 20
    by default, which would make W4 open new connections)."""
    if a.workload == "W2":
        return httpx.Limits(max_keepalive_connections=0)
    return httpx.Limits(max_connections=a.concurrency, max_keepalive_connections=a.concurrency)


def http_httpx(a: argparse.Namespace) -> dict:
    import ssl

    import httpx

    ctx = ssl.create_default_context(cafile=a.ca)
    client = httpx.Client(http1=True, http2=False, verify=ctx, trust_env=False, limits=httpx_limits(httpx, a))

    def get(url):
        if a.workload == "S1":
            with client.stream("GET", url) as r:
                return r.status_code, sum(map(len, r.iter_bytes(STREAM_CHUNK))), r.http_version
        r = client.get(url)
        return r.status_code, r.content, r.http_version

    with client:
        return run_sync(a, get)


def http_httpx_async(a: argparse.Namespace) -> dict:
    import ssl

    import httpx

    async def main():
        ctx = ssl.create_default_context(cafile=a.ca)
        async with httpx.AsyncClient(
            http1=True, http2=False, verify=ctx, trust_env=False, limits=httpx_limits(httpx, a)
        ) as client:

            async def get(url):
                if a.workload == "S1":
                    async with client.stream("GET", url) as r:
                        n = 0
                        async for chunk in r.aiter_bytes(STREAM_CHUNK):
                            n += len(chunk)
                        return r.status_code, n, r.http_version
                r = await client.get(url)
                return r.status_code, r.content, r.http_version

            return await run_async(a, get)

    return asyncio.run(main())


def http_urllib3(a: argparse.Namespace) -> dict:
    import urllib3

    pool = urllib3.PoolManager(ca_certs=a.ca, maxsize=a.concurrency)  # cert_reqs is CERT_REQUIRED
    headers = {"Connection": "close"} if a.workload == "W2" else None

    def get(url):
        if a.workload == "S1":
            r = pool.request("GET", url, preload_content=False)
            n = sum(map(len, r.stream(STREAM_CHUNK)))
            r.release_conn()
            return r.status, n, http_name(r.version)
        r = pool.request("GET", url, headers=headers)  # preload_content: the body is read whole
        return r.status, r.data, http_name(r.version)

    with pool:
        return run_sync(a, get)


def http_aiohttp(a: argparse.Namespace) -> dict:
    import ssl

    import aiohttp

    async def main():
        ctx = ssl.create_default_context(cafile=a.ca)
        connector = aiohttp.TCPConnector(ssl=ctx, limit=a.concurrency, force_close=a.workload == "W2")
        async with aiohttp.ClientSession(connector=connector) as session:

            async def get(url):
                async with session.get(url) as r:
                    if a.workload == "S1":
                        n = 0
                        async for chunk in r.content.iter_chunked(STREAM_CHUNK):
                            n += len(chunk)
                        return r.status, n, f"HTTP/{r.version.major}.{r.version.minor}"
                    body = await r.read()
                    return r.status, body, f"HTTP/{r.version.major}.{r.version.minor}"

            return await run_async(a, get)

    return asyncio.run(main())


def http_pycurl(a: argparse.Namespace) -> dict:
    from io import BytesIO

    import pycurl

    versions = {pycurl.CURL_HTTP_VERSION_1_1: "HTTP/1.1", pycurl.CURL_HTTP_VERSION_2_0: "HTTP/2"}

    def new_handle():
        c = pycurl.Curl()
        c.setopt(pycurl.CAINFO, a.ca)
        c.setopt(pycurl.HTTP_VERSION, pycurl.CURL_HTTP_VERSION_1_1)  # libcurl would pick h2 by ALPN
        if a.workload == "W2":
            c.setopt(pycurl.FRESH_CONNECT, 1)
            c.setopt(pycurl.FORBID_REUSE, 1)
        return c

    if a.workload != "W4":
        c = new_handle()  # one handle reused: it keeps the connection (and libcurl's caches)

        def get(url):
            c.setopt(pycurl.URL, url)
            if a.workload == "S1":
                # libcurl hands each chunk to the callback as it arrives; it is counted, not kept.
                got = [0]

                def write(chunk):
                    got[0] += len(chunk)

                c.setopt(pycurl.WRITEFUNCTION, write)
                c.perform()
                return c.getinfo(pycurl.RESPONSE_CODE), got[0], versions.get(c.getinfo(pycurl.INFO_HTTP_VERSION))
            buf = BytesIO()
            c.setopt(pycurl.WRITEDATA, buf)
            c.perform()
            return c.getinfo(pycurl.RESPONSE_CODE), buf.getvalue(), versions.get(c.getinfo(pycurl.INFO_HTTP_VERSION))

        return run_sync(a, get)

    # W4: a CurlMulti driving C handles; a finished handle is checked and started again while
    # requests are left.
    url, size, n = a.url + PATHS["W4"], SIZES[PATHS["W4"]], a.n
    multi = pycurl.CurlMulti()
    handles = [new_handle() for _ in range(min(a.concurrency, n))]
    left, done, total, http = n, 0, 0, None

    def launch(c):
        c.buf = BytesIO()
        c.setopt(pycurl.URL, url)
        c.setopt(pycurl.WRITEDATA, c.buf)
        multi.add_handle(c)

    start = time.perf_counter()
    for c in handles:
        launch(c)
        left -= 1
    while done < n:
        while multi.perform()[0] == pycurl.E_CALL_MULTI_PERFORM:
            pass
        while True:
            queued, finished, failed = multi.info_read()
            if failed:
                raise Failure(f"curl error {failed[0][1]}: {failed[0][2]}")
            for c in finished:
                multi.remove_handle(c)
                total += check(c.getinfo(pycurl.RESPONSE_CODE), c.buf.getvalue(), size)
                http = versions.get(c.getinfo(pycurl.INFO_HTTP_VERSION))
                done += 1
                if left > 0:
                    launch(c)
                    left -= 1
            if not queued:
                break
        if done < n:
            multi.select(1.0)
    seconds = time.perf_counter() - start
    return result(n, seconds, total, http)


def http_oneoff(a: argparse.Namespace) -> dict:
    """The one-off module functions a script calls in a loop: `tlsguard.get(url, ...)` (a shared
    client per distinct options: connections and TLS sessions reused), `requests.get(url,
    verify=root)` (a Session per call: a new connection and full handshake every time) and
    `httpx.get(url, verify=ctx)` (a Client per call, likewise). W1 only."""
    if a.workload != "W1":
        raise Unsupported(f"{a.client} runs W1 only")
    if a.client == "tlsguard-get":
        import tlsguard

        def get(url):
            r = tlsguard.get(url, roots="none", ca_file=a.ca, http2=a.http2)
            return r.status_code, r.content, r.http_version

    elif a.client == "requests-get":
        import requests

        def get(url):
            r = requests.get(url, verify=a.ca)
            return r.status_code, r.content, http_name(r.raw.version)

    else:
        import ssl

        import httpx

        ctx = ssl.create_default_context(cafile=a.ca)  # built once: httpx.get takes a context

        def get(url):
            r = httpx.get(url, verify=ctx, trust_env=False)
            return r.status_code, r.content, r.http_version

    return run_sync(a, get)


HTTP_RUNNERS = {
    "tlsguard-get": http_oneoff,
    "requests-get": http_oneoff,
    "httpx-get": http_oneoff,
    "tlsguard": http_tlsguard,
    "tlsguard-async": http_tlsguard_async,
    "requests": http_requests,
    "httpx": http_httpx,
    "httpx-async": http_httpx_async,
    "urllib3": http_urllib3,
    "aiohttp": http_aiohttp,
    "pycurl": http_pycurl,
}

# ---------------------------------------------------------------- certificates


def cert_op(a: argparse.Namespace):
    """(op, args, ok): op(*args) is what is timed; ok(its result) -> an error string or None."""
    leaf_pem = open(a.leaf, "rb").read()
    if a.client == "tlsguard":
        import tlsguard

        if a.workload == "C1-parse":
            fingerprint = tlsguard.Certificate.from_pem(leaf_pem).fingerprint_sha256
            return (
                tlsguard.Certificate.from_pem,
                (leaf_pem,),
                lambda c: None if c.fingerprint_sha256 == fingerprint else "wrong certificate",
            )
        # The chain parsed once; a prepared Verifier (the root loaded once), as pyca's
        # build_server_verifier below.
        inter_pem = open(a.chain, "rb").read()
        chain = [tlsguard.Certificate.from_pem(leaf_pem), tlsguard.Certificate.from_pem(inter_pem)]
        verifier = tlsguard.Verifier(roots="none", ca_pem=open(a.ca, "rb").read(), use_env=False)

        def verify(chain):
            return verifier.verify(chain, a.host)

        return verify, (chain,), lambda r: None if r.ok else f"{r.error.code}: {r.error}"

    from cryptography import x509

    if a.workload == "C1-parse":
        serial = x509.load_pem_x509_certificate(leaf_pem).serial_number  # parsing is lazy: a cheap check
        return (
            x509.load_pem_x509_certificate,
            (leaf_pem,),
            lambda c: None if c.serial_number == serial else "wrong certificate",
        )
    from datetime import datetime, timezone

    from cryptography.x509.verification import PolicyBuilder, Store

    root = x509.load_pem_x509_certificate(open(a.ca, "rb").read())
    leaf = x509.load_pem_x509_certificate(leaf_pem)
    inter = x509.load_pem_x509_certificate(open(a.chain, "rb").read())
    # Built once: the trust store and the policy are prepared outside the loop.
    policy = PolicyBuilder().store(Store([root])).time(datetime.now(timezone.utc))
    verifier = policy.build_server_verifier(x509.DNSName(a.host))
    # verify() raises on a refused chain; it returns the built path (leaf, inter, root).
    return (
        verifier.verify,
        (leaf, [inter]),
        lambda path: None if len(path) == 3 else f"a path of {len(path)} (not leaf, inter, root)",
    )


def run_cert(a: argparse.Namespace) -> dict:
    if a.client not in CERT_CLIENTS or a.workload not in CERT_WORKLOADS:
        raise Unsupported(f"{a.client} does not run {a.workload}")
    if not (a.leaf and a.chain):
        raise ValueError("--leaf and --chain are required for certificate workloads")
    op, args, ok = cert_op(a)
    error = ok(op(*args))  # must succeed once before timing
    if error:
        raise Failure(f"{a.workload} fails before timing: {error}")
    last = None
    start = time.perf_counter()
    for _ in range(a.n):
        last = op(*args)
    seconds = time.perf_counter() - start
    error = ok(last)  # and the last result is checked too
    if error:
        raise Failure(f"{a.workload}: last result wrong: {error}")
    return result(a.n, seconds, 0, None)


# ---------------------------------------------------------------- main


def parse_args(argv: list) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--client", required=True, choices=sorted(set(HTTP_CLIENTS + CERT_CLIENTS)))
    p.add_argument("--workload", required=True, choices=list(PATHS) + CERT_WORKLOADS)
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--url", default="https://127.0.0.1:8443", help="base URL, without a path")
    p.add_argument("--ca", help="the root certificate (PEM): the only trust")
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--http2", action="store_true", help="tlsguard: offer h2 by ALPN (http2=True)")
    p.add_argument("--leaf")
    p.add_argument("--chain", help="the intermediate (PEM)")
    p.add_argument("--host", default="localhost")
    a = p.parse_args(argv)
    a.url = a.url.rstrip("/")
    if a.n < 1 or a.concurrency < 1:
        p.error("--n and --concurrency must be at least 1")
    return a


def main(argv: list) -> int:
    a = parse_args(argv)
    try:
        if a.workload in CERT_WORKLOADS:
            out = run_cert(a)
        elif (
            a.client not in HTTP_RUNNERS
            or (a.workload == "M1" and not a.client.startswith("tlsguard"))
            or (a.workload == "S1" and a.client not in STREAMING)
        ):
            raise Unsupported(f"{a.client} does not run {a.workload}")
        elif not a.ca:
            raise ValueError("--ca is required")
        else:
            out = HTTP_RUNNERS[a.client](a)
    except Unsupported as e:
        print(f"client.py: {e}", file=sys.stderr)
        return 3
    except Exception as e:  # any failure: a message on stderr, exit 1
        hint = getattr(e, "hint", None)  # tlsguard errors: str(e) starts with the code; a hint
        print(f"client.py: {a.client} {a.workload}: {type(e).__name__}: {e}", file=sys.stderr)
        if hint:
            print(f"  hint: {hint}", file=sys.stderr)
        return 1
    print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
