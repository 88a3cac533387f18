#!/usr/bin/env python3
"""Benchmark orchestrator for tlsguard (stdlib only). From the repository root:

    python3 bench/run.py [--quick] [--rounds N] [--clients a,b] [--workloads W1,W3]
                         [--no-wire] [--no-wait] [--write-results]
    python3 bench/run.py report [results.json ...] [--write-results] [--out FILE]

Generates a PKI and static files in target/bench/, starts nginx from bench/nginx.conf, checks on the
wire what each client does (logging twins), waits for a quiet machine, then runs every (row,
workload) as a fresh process, interleaved round by round, recording wall time, peak RSS and CPU of
the client, the nginx worker's CPU and the CPU used by anything else; then writes the report.
Client contract: bench/README.md. Method: the earlier peer-only harness
(/work/shared/research/peer-performance.md). Installing clients is `cargo xtask bench`'s job.

Knobs (environment; flags win): N_W1=5000 N_W2=500 N_W3=20 N_W4=2000 N_CERTS=10000 N_M1=100000
BENCH_CONCURRENCY=32 BENCH_PIN=same|none|split BENCH_PORT=8443 RUN_TIMEOUT_S=300 LOAD_MAX=0.8
LOAD_WAIT_S=900 LOAD_POLL_S=15. To test the harness itself, BENCH_CMD_RUST/_PYTHON/_NODE/_PHP
replace a language's client command (e.g. BENCH_CMD_PYTHON="python3 /tmp/fake_client.py").

Exit status: 0; 1 if a --quick run had a failed run (full runs record failures and go on);
2 for a setup error (missing client, nginx would not start); 130 on Ctrl-C.
"""
import argparse
import datetime as dt
import fnmatch
import json
import os
import platform
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "target" / "bench"
PHP_EXT = ROOT / "target" / "release" / "libtlsguard_php.so"

HTTP_W = ["W1", "W2", "W2R", "W3", "W4"]
CERT_W = ["C1-parse", "C1-verify"]
ALL_W = HTTP_W + ["S1", "M1"] + CERT_W + ["BASE"]     # BASE: idle interpreter, RSS only
UNIT = {w: "req/s" for w in HTTP_W + ["M1"]} | {"W3": "MB/s", "S1": "MB/s", "C1-parse": "µs/op",
                                                 "C1-verify": "µs/op", "BASE": "MiB"}
LOWER_IS_BETTER = set(CERT_W)
FILE_SIZE = {"W1": 1024, "W2": 1024, "W2R": 1024, "W3": 10_485_760, "W4": 1024, "M1": 1024, "S1": 268_435_456}

DEFAULT_N = {"W1": 5000, "W2": 500, "W3": 20, "W4": 2000, "CERTS": 10000, "M1": 100_000, "S1": 4}
QUICK_N = {"W1": 50, "W2": 10, "W3": 2, "W4": 100, "CERTS": 100, "M1": 2000, "S1": 1}
WIRE_PLAN = [("W1", 20, "WLOG"), ("W2", 5, "WLOG"), ("W2R", 5, "RLOG"), ("W4", 64, "WLOG")]
CLK = os.sysconf("SC_CLK_TCK")
# In RESULTS.md, what follows this line is written by hand and kept when the report is rewritten.
ANALYSIS_MARKER = "<!-- analysis: written by hand, kept by run.py -->"
NCPU = os.cpu_count() or 1


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def env_num(name, default, cast=int):
    v = os.environ.get(name)
    return cast(v) if v not in (None, "") else default


# === Client registry (bench/README.md, "the client contract") ===
@dataclass
class Row:
    name: str                    # e.g. python-requests
    lang: str                    # rust | python | node | php
    tlsguard: bool
    cmd: list                    # full argv prefix (before --client ...), or the whole argv for baselines
    client: str = ""             # value of --client
    work: list = field(default_factory=list)
    http2: bool = False          # pass --http2 (the *-tlsguard-h2 rows: HTTP/2 opted in)
    baseline: bool = False       # idle host process: no contract arguments, RSS only


def lang_commands():
    """Client command per language, run from the repository root; BENCH_CMD_<LANG> overrides it."""
    cmds = {"rust": [str(ROOT / "target/release/tlsguard-bench")],
            "python": [str(WORK / "py/bin/python"), "bench/python/client.py"],
            "node": ["node", "bench/node/client.mjs"],
            "php": ["php", "-d", f"extension={PHP_EXT}", "bench/php/client.php"]}
    for lang in cmds:
        if over := os.environ.get(f"BENCH_CMD_{lang.upper()}"):
            cmds[lang] = shlex.split(over)
    return cmds


def registry():
    cmds, rows = lang_commands(), []

    def add(lang, client, tg=False, work=HTTP_W, http2=False, name=None):
        rows.append(Row(name or f"{lang}-{client}", lang, tg, cmds[lang], client, list(work), http2))

    def tlsguard_rows(lang, extra=()):
        add(lang, "tlsguard", True, HTTP_W + ["M1"] + CERT_W)
        add(lang, "tlsguard", True, HTTP_W, http2=True, name=f"{lang}-tlsguard-h2")
        for c in extra:
            add(lang, c, True, HTTP_W + ["M1"])

    tlsguard_rows("rust", ["tlsguard-async"])
    for c in ["reqwest", "reqwest-ct", "reqwest-h2", "rustls-raw"]:
        add("rust", c)
    add("rust", "webpki", work=CERT_W)           # verify only (parse exits 3)
    add("rust", "x509-parser", work=CERT_W)      # parse only (verify exits 3)
    tlsguard_rows("python", ["tlsguard-async"])
    for c in ["requests", "httpx", "httpx-async", "urllib3", "aiohttp", "pycurl"]:
        add("python", c)
    add("python", "cryptography", work=CERT_W)
    # One-off module calls in a loop (`tlsguard.get()` on its shared client; requests.get and
    # httpx.get make a client, a connection and a full handshake per call): W1 only.
    add("python", "tlsguard-get", True, ["W1"])
    add("python", "requests-get", work=["W1"])
    add("python", "httpx-get", work=["W1"])
    tlsguard_rows("node", ["tlsguard-fetch"])
    for c in ["fetch", "https", "undici"]:
        add("node", c)
    add("node", "x509", work=CERT_W)
    tlsguard_rows("php")
    for c in ["curl", "guzzle"]:
        add("php", c)
    add("php", "openssl", work=CERT_W)

    # Baselines: the RSS of a bare host process, so that "tlsguard adds <= 10 MiB at W4" is W4 RSS
    # minus this. Never overridden by BENCH_CMD_*. The PHP one loads the extension, as its rows do;
    # baseline-php-noext shows what the extension itself costs when merely loaded.
    for name, lang, argv in [
        ("baseline-rust", "rust", [str(RUNEXEC), "--idle"]),
        ("baseline-python", "python", [str(WORK / "py/bin/python"), "-c", "pass"]),
        ("baseline-node", "node", ["node", "-e", "0"]),
        ("baseline-php", "php", ["php", "-d", f"extension={PHP_EXT}", "-r", ";"]),
        ("baseline-php-noext", "php", ["php", "-r", ";"]),
    ]:
        rows.append(Row(name, lang, False, argv, work=["BASE"], baseline=True))
    # S1 (a streamed 256 MiB download): every peer with a streaming API, and tlsguard where its
    # binding streams bodies (Rust; Client.stream() and AsyncClient.stream() in Python; Node's
    # client.fetch() and one-off fetch() bodies; PHP's 'stream' => true).
    streaming = {"rust": ("tlsguard", "tlsguard-async", "reqwest", "reqwest-ct", "rustls-raw"),
                 "python": ("tlsguard", "tlsguard-async", "requests", "httpx", "httpx-async", "urllib3", "aiohttp", "pycurl"),
                 "node": ("tlsguard", "tlsguard-fetch", "fetch", "https", "undici"),
                 "php": ("tlsguard", "curl", "guzzle")}
    for r in rows:
        if not r.http2 and not r.baseline and r.client in streaming.get(r.lang, ()):
            r.work.append("S1")
    return rows


def missing_parts(row):
    """The program and every path-like argument (extension=/x.so counts) must exist."""
    paths = [a.split("=", 1)[-1] for a in row.cmd[1:] if "/" in a]
    return ([row.cmd[0]] if shutil.which(row.cmd[0]) is None and not (ROOT / row.cmd[0]).is_file() else []) \
        + [p for p in paths if not (ROOT / p).exists()]


RUNEXEC = WORK / "bin" / "runexec"


def build_runexec():
    """bench/runexec.rs: the launcher that measures each client (see its header for why), and the
    idle Rust baseline (`runexec --idle`). One rustc call, redone when the source changes."""
    src = ROOT / "bench" / "runexec.rs"
    if RUNEXEC.exists() and RUNEXEC.stat().st_mtime >= src.stat().st_mtime:
        return
    if shutil.which("rustc") is None:
        raise SystemExit("run.py: rustc is needed to build bench/runexec.rs (the measuring launcher)")
    RUNEXEC.parent.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(["rustc", "-O", "-o", str(RUNEXEC), str(src)], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"run.py: building bench/runexec.rs failed:\n{r.stderr}")


# === PKI, static files, nginx ===
def make_pki():
    """ECDSA P-256 root -> intermediate (pathlen 0) -> leaf (localhost + 127.0.0.1), fresh every run."""
    pki = WORK / "pki"
    if pki.exists():
        shutil.rmtree(pki)
    pki.mkdir(parents=True)
    (pki / "inter.ext").write_text(
        "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n"
        "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n")
    (pki / "leaf.ext").write_text(
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n"
        "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n")
    steps = [
        "ecparam -name prime256v1 -genkey -noout -out root.key",
        "req -x509 -new -key root.key -sha256 -days 30 -subj /CN=tlsguard-bench-root"
        " -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign"
        " -out root.pem",
        "ecparam -name prime256v1 -genkey -noout -out inter.key",
        "req -new -key inter.key -subj /CN=tlsguard-bench-intermediate -out inter.csr",
        "x509 -req -in inter.csr -CA root.pem -CAkey root.key -CAcreateserial -days 30 -sha256"
        " -extfile inter.ext -out inter.pem",
        "ecparam -name prime256v1 -genkey -noout -out leaf.key",
        "req -new -key leaf.key -subj /CN=localhost -out leaf.csr",
        "x509 -req -in leaf.csr -CA inter.pem -CAkey inter.key -CAcreateserial -days 30 -sha256"
        " -extfile leaf.ext -out leaf.pem",
    ]
    for s in steps:
        r = subprocess.run(["openssl"] + s.split(), cwd=pki, capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit(f"run.py: openssl {s.split()[0]} failed:\n{r.stderr}")
    (pki / "fullchain.pem").write_text((pki / "leaf.pem").read_text() + (pki / "inter.pem").read_text())
    www = WORK / "www"
    www.mkdir(exist_ok=True)
    for name, size in [("1k", 1024), ("100k", 102_400), ("10m", 10_485_760)]:
        (www / name).write_bytes(os.urandom(size))
    # S1's 256 MiB file: 1 MiB of random bytes repeated (nginx sends it with sendfile-free TLS
    # either way), written once.
    big = www / "256m"
    if not big.exists() or big.stat().st_size != FILE_SIZE["S1"]:
        block = os.urandom(1 << 20)
        with open(big, "wb") as f:
            for _ in range(FILE_SIZE["S1"] >> 20):
                f.write(block)
    return {k: str(pki / f"{k}.pem") for k in ("root", "leaf", "inter")}


def port_free(port):
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)   # as nginx does: TIME_WAIT is fine
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def pick_ports(base):
    """Four consecutive ports W, R, W-log, R-log; the next free block of 4 if one is taken."""
    for start in range(base, base + 400, 4):
        if all(port_free(p) for p in range(start, start + 4)):
            if start != base:
                log(f"run.py: a port in {base}-{base + 3} is taken; using {start}-{start + 3} instead")
            return dict(zip(["W", "R", "WLOG", "RLOG"], range(start, start + 4)))
    raise SystemExit(f"run.py: no free block of 4 ports from {base}")


class Nginx:
    def __init__(self, ports, prefix):
        self.ports, self.prefix, self.master = ports, prefix, None
        self.dir = WORK / "nginx"
        self.conf = self.dir / "nginx.conf"

    def render(self, curve):
        text = (ROOT / "bench" / "nginx.conf").read_text()
        # Workers run as the user who runs the benchmark (nginx would switch root's workers to
        # `nobody`, who may not be able to enter the checkout, e.g. a 0700 mktemp dir: 403s).
        import pwd
        subs = {"WORK": str(WORK), "CURVE": curve, "USER": pwd.getpwuid(os.geteuid()).pw_name, "PORT_W": self.ports["W"], "PORT_R": self.ports["R"],
                "PORT_WLOG": self.ports["WLOG"], "PORT_RLOG": self.ports["RLOG"]}
        for k, v in subs.items():
            text = text.replace("{{%s}}" % k, str(v))
        self.conf.write_text(text)

    def argv(self, *extra):
        return ["nginx", "-p", f"{self.dir}/", "-e", str(self.dir / "error.log"), "-c", str(self.conf),
                *extra]

    def start(self):
        if shutil.which("nginx") is None and Path("/usr/sbin/nginx").exists():
            os.environ["PATH"] += ":/usr/sbin"
        if shutil.which("nginx") is None:
            raise SystemExit("run.py: nginx not found (apt-get install nginx-light)")
        for d in ["tmp", "tmp/body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi"]:
            (self.dir / d).mkdir(parents=True, exist_ok=True)
        for f in ["wire-w.log", "wire-r.log"]:
            (self.dir / f).unlink(missing_ok=True)
        self.curve = "$ssl_curve"                    # nginx >= 1.21.5; fall back to "-" if unknown
        self.render(self.curve)
        t = subprocess.run(self.argv("-t"), capture_output=True, text=True)
        if t.returncode != 0 and "ssl_curve" in t.stderr:
            self.curve = "-"
            self.render(self.curve)
            t = subprocess.run(self.argv("-t"), capture_output=True, text=True)
        if t.returncode != 0:
            raise SystemExit(f"run.py: nginx -t failed:\n{t.stderr}")
        r = subprocess.run(self.prefix + self.argv(), capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit(f"run.py: nginx did not start:\n{r.stderr}")
        pidfile = self.dir / "nginx.pid"
        for _ in range(100):
            if pidfile.exists() and pidfile.read_text().strip() and self.workers():
                break
            time.sleep(0.05)
        self.master = int(pidfile.read_text())
        log(f"run.py: nginx {self.master} on 127.0.0.1:{self.ports['W']}-{self.ports['RLOG']}, "
            f"worker(s) {self.workers()}")

    def stop_stale(self):
        """An nginx left by an earlier run.py that died without cleaning up (its pid file, our conf)."""
        try:
            pid = int((self.dir / "nginx.pid").read_text())
            if str(self.conf) in Path(f"/proc/{pid}/cmdline").read_text():
                log(f"run.py: stopping nginx {pid} left over from an earlier run")
                self.master = pid
                self.stop()
        except (OSError, ValueError):
            pass

    def workers(self):
        try:
            pid = self.master or int((self.dir / "nginx.pid").read_text())
            return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except (OSError, ValueError):
            return []

    def cpu(self):
        """utime + stime of the worker(s) in seconds (/proc/PID/stat fields 14 and 15)."""
        total = 0
        for pid in self.workers():
            try:
                rest = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(rest[11]) + int(rest[12])
            except (OSError, IndexError):
                pass
        return total / CLK

    def stop(self):
        if not self.master:
            return
        pid, self.master = self.master, None
        for sig in (signal.SIGQUIT, signal.SIGTERM):     # graceful stop by PID; TERM after 5 s
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                return
            for _ in range(100):
                if not Path(f"/proc/{pid}").exists():
                    return
                time.sleep(0.05)


# === Running one client process ===
CURRENT = {"pid": None}        # the running child, killed on Ctrl-C / exception


def kill_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def cpu_stat():
    """Machine busy (user+nice+system) and steal seconds since boot, from /proc/stat."""
    f = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (f[0] + f[1] + f[2]) / CLK, (f[7] if len(f) > 7 else 0) / CLK


def load1():
    return float(Path("/proc/loadavg").read_text().split()[0])


def client_env(pki):
    """The machine sets CA bundles and proxies globally; clients must use --ca and no proxy."""
    env = {k: v for k, v in os.environ.items()
           if not k.lower().endswith("_proxy") and k not in (
               "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR",
               "NIX_SSL_CERT_FILE", "AWS_CA_BUNDLE")}
    env["NODE_EXTRA_CA_CERTS"] = pki["root"]   # for Node's global fetch (the other rows pass ca)
    return env


class Runner:
    def __init__(self, cfg, pki, ports, nginx, pin_client):
        self.cfg, self.pki, self.ports, self.nginx = cfg, pki, ports, nginx
        self.prefix = pin_client
        self.env = client_env(pki)
        (WORK / "tmp").mkdir(exist_ok=True)

    def argv(self, row, w, n, server):
        if row.baseline:
            return list(row.cmd)
        # W2R is W2 against the resumption server: same client code, only the URL differs (README).
        a = row.cmd + ["--client", row.client, "--workload", "W2" if w == "W2R" else w, "--n", str(n),
                       "--url", f"https://127.0.0.1:{self.ports[server]}", "--ca", self.pki["root"]]
        if w == "W4":
            a += ["--concurrency", str(self.cfg["concurrency"])]
        if w in CERT_W:
            a += ["--leaf", self.pki["leaf"], "--chain", self.pki["inter"], "--host", "localhost"]
        if row.http2:
            a += ["--http2"]
        return a

    def run(self, row, w, n, server="W"):
        """One fresh process; returns a record with status ok | skipped (exit 3) | failed."""
        argv = self.argv(row, w, n, "R" if w == "W2R" and server == "W" else server)
        out_p, err_p, stat_p = (WORK / "tmp" / x for x in ("stdout", "stderr", "stat"))
        rec = {"row": row.name, "lang": row.lang, "tlsguard": row.tlsguard, "workload": w, "n": n,
               "load1": load1(), "cmd": shlex.join(argv)}
        stat_p.unlink(missing_ok=True)
        timed_out = []
        with open(out_p, "wb") as fo, open(err_p, "wb") as fe:
            busy0, steal0 = cpu_stat()
            ng0 = self.nginx.cpu()
            t0 = time.monotonic()
            try:     # taskset -c 1 runexec STAT client...: runexec wait4()s the client and writes STAT
                p = subprocess.Popen(self.prefix + [str(RUNEXEC), str(stat_p)] + argv, cwd=ROOT,
                                     env=self.env, stdin=subprocess.DEVNULL, stdout=fo, stderr=fe,
                                     start_new_session=True)
            except OSError as e:
                return rec | {"status": "failed", "rc": None, "error": f"cannot start: {e}"}
            CURRENT["pid"] = p.pid
            timer = threading.Timer(self.cfg["timeout"], lambda: (timed_out.append(1), kill_group(p.pid)))
            timer.daemon = True
            timer.start()
            _, status, ru = os.wait4(p.pid, 0)
            wall = time.monotonic() - t0
            timer.cancel()
            CURRENT["pid"] = None
            p.returncode = rc = os.waitstatus_to_exitcode(status)   # reaped here, not by Popen
            busy1, steal1 = cpu_stat()
            ng = self.nginx.cpu() - ng0
        try:         # the client's own numbers; else (launcher killed) the launcher's, flagged
            rc, ut, st, rss, wall_ns = (int(x) for x in stat_p.read_text().split())
            ut, st, wall = ut / 1e6, st / 1e6, wall_ns / 1e9
        except (OSError, ValueError):
            ut, st, rss = ru.ru_utime, ru.ru_stime, ru.ru_maxrss
            rec["note"] = "no launcher stats"
        foreign = (busy1 - busy0) - (ut + st) - ng
        rec |= {"rc": rc, "wall_s": round(wall, 4), "rss_kib": rss,
                "cpu_user_s": round(ut, 4), "cpu_sys_s": round(st, 4), "nginx_cpu_s": round(ng, 3),
                "foreign_cpu_pct": round(max(foreign, 0) / (NCPU * wall) * 100, 2) if wall > 0 else None,
                "steal_pct": round((steal1 - steal0) / (NCPU * wall) * 100, 2) if wall > 0 else None}
        stdout = out_p.read_text(errors="replace")
        stderr_tail = err_p.read_text(errors="replace")[-1500:]
        if row.baseline:
            ok = rc == 0
            return rec | {"status": "ok" if ok else "failed", "value": rss / 1024,
                          **({} if ok else {"error": stderr_tail or f"exit {rc}"})}
        if timed_out:
            return rec | {"status": "failed", "error": f"timeout after {self.cfg['timeout']} s; "
                                                        f"stderr: {stderr_tail}"}
        if rc == 3:
            return rec | {"status": "skipped", "error": stderr_tail.strip()[-300:]}
        res, err = None, None
        lines = [ln for ln in stdout.splitlines() if ln.strip().startswith("{")]
        try:
            res = json.loads(lines[-1])
            ops, secs = int(res["ops"]), float(res["seconds"])
        except (IndexError, ValueError, KeyError, TypeError):
            err = "no valid JSON line on stdout"
        if rc != 0:
            err, stdout = f"exit {rc}", ""
        elif not err and ops != n:
            err = f"reported ops {ops}, expected {n}"
        elif not err and secs <= 0:
            err = "seconds <= 0"
        elif not err and w in FILE_SIZE and "bytes" in res and int(res["bytes"]) != n * FILE_SIZE[w]:
            err = f"reported bytes {res['bytes']}, expected {n * FILE_SIZE[w]}"
        elif not err and w == "M1" and not {"rss_start_kib", "rss_end_kib"} <= set(res):
            err = "M1 without rss_start_kib / rss_end_kib"
        if err:
            tail = " ".join(stderr_tail.split())[-1000:]
            out = f" [stdout: {stdout[-200:]}]" if stdout else ""
            return rec | {"status": "failed", "error": f"{err}: {tail}{out}"}
        if w in CERT_W:
            value = secs / ops * 1e6
        elif w in ("W3", "S1"):
            value = int(res.get("bytes", ops * FILE_SIZE[w])) / secs / 1e6
        else:
            value = ops / secs
        return rec | {"status": "ok", "value": value, "result": res}


# === Wire check: what each client does, from the access log of the logging twins ===
def wire_check(runner, rows, workloads, concurrency):
    out, unsupported = [], set()
    logs = {"WLOG": WORK / "nginx" / "wire-w.log", "RLOG": WORK / "nginx" / "wire-r.log"}
    for row in rows:
        for w, n, server in WIRE_PLAN:
            if w not in row.work or w not in workloads:
                continue
            lp = logs[server]
            start = lp.stat().st_size if lp.exists() else 0
            r = runner.run(row, w, n, server)
            if r["status"] == "skipped":
                unsupported.add((row.name, w))
                continue
            with open(lp, "rb") as f:
                f.seek(start)
                lines = [ln.split() for ln in f.read().decode(errors="replace").splitlines() if ln.strip()]
            conns = {ln[0] for ln in lines}
            ent = {"row": row.name, "workload": w, "n": n, "status": r["status"], "requests": len(lines),
                   "connections": len(conns),
                   "tls": sorted({ln[1] for ln in lines}), "group": sorted({ln[2] for ln in lines}),
                   "resumed": sum(ln[3] == "r" for ln in lines),
                   "http": sorted({ln[4] for ln in lines}),
                   "statuses": sorted({ln[5] for ln in lines}), "flags": []}
            fl = ent["flags"]
            if r["status"] != "ok":
                fl.append("run failed: " + r.get("error", "")[-120:])
            if len(lines) != n:
                fl.append(f"{len(lines)} requests logged, expected {n}")
            if w == "W1" and len(conns) > 1:
                fl.append(f"W1 used {len(conns)} connections")
            if w in ("W2", "W2R") and len(conns) != len(lines):
                fl.append(f"{len(conns)} connections for {len(lines)} requests")
            if w == "W4" and len(conns) > concurrency:
                fl.append(f"{len(conns)} connections for {concurrency} in flight")
            if w == "W2R" and lines and ent["resumed"] == 0:
                fl.append("no session resumed")
            if len(ent["http"]) > 1:
                fl.append("HTTP version mix")
            if any(s != "200" for s in ent["statuses"]):
                fl.append("non-200 status")
            out.append(ent)
            log(f"  wire {row.name:<24} {w:<4} {len(lines):>3} req {len(conns):>3} conn "
                f"{','.join(ent['tls'])} {','.join(ent['group'])} resumed={ent['resumed']} "
                f"{','.join(ent['http'])} {'; '.join(fl)}")
    return out, unsupported


# === Environment: machine and versions ===
def sh(argv, timeout=30):
    try:
        r = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
        return (r.stdout + r.stderr).strip()
    except (OSError, subprocess.SubprocessError) as e:
        return f"unavailable ({e.__class__.__name__})"


def git_commit():
    """HEAD's commit, read from .git (no git command is run)."""
    try:
        g = ROOT / ".git"
        head = (g / "HEAD").read_text().strip()
        if not head.startswith("ref:"):
            return head[:10]
        ref = head.split(None, 1)[1]
        if (g / ref).exists():
            return (g / ref).read_text().strip()[:10]
        return next(ln[:10] for ln in (g / "packed-refs").read_text().splitlines() if ln.endswith(" " + ref))
    except (OSError, StopIteration):
        return "unknown"


def environment():
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"^model name\s*:\s*(.*)$", cpuinfo, re.M)
    mem = re.search(r"^MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text(), re.M)
    ngx = sh(["nginx", "-V"]).splitlines()
    py = str(WORK / "py" / "bin" / "python")
    pkgs = "unavailable"
    if Path(py).exists():
        pkgs = sh([py, "-c", "import importlib.metadata as m\n"
                   "for p in ['requests','httpx','urllib3','aiohttp','pycurl','cryptography','tlsguard']:\n"
                   "  try: print(f'{p}=={m.version(p)}')\n  except Exception: pass"]).replace("\n", ", ")
    undici = None
    lock = ROOT / "bench" / "node" / "package-lock.json"
    try:
        undici = json.loads(lock.read_text())["packages"]["node_modules/undici"]["version"]
    except (OSError, KeyError, ValueError):
        try:
            pj = ROOT / "bench" / "node" / "node_modules" / "undici" / "package.json"
            undici = json.loads(pj.read_text())["version"]
        except (OSError, KeyError, ValueError):
            pass
    guzzle = re.search(r"^Version:\s*(.*)$", sh(["dpkg", "-s", "php-guzzlehttp-guzzle"]), re.M)
    return {
        "machine": {"nproc": NCPU, "cpu": model.group(1) if model else platform.machine(),
                    "kernel": platform.release(),
                    "memory_gib": round(int(mem.group(1)) / 2**20, 1) if mem else None},
        "versions": {
            "nginx": "; ".join([ngx[0]] + [ln for ln in ngx if "OpenSSL" in ln][:1]) if ngx else "?",
            "openssl": sh(["openssl", "version"]),
            "python": sh([py, "--version"]) if Path(py).exists() else sh(["python3", "--version"]),
            "python_packages": pkgs,
            "node": sh(["node", "--version"]), "undici": undici or "not found",
            "php": sh(["php", "-v"]).split("\n")[0],
            "guzzle": guzzle.group(1) if guzzle else "not installed",
            "rustc": sh(["rustc", "--version"]),
            "tlsguard_commit": git_commit(),
        },
    }


# === Measuring ===
def wait_for_load(max_load, max_wait, poll):
    t0 = time.monotonic()
    while True:
        l1 = load1()
        waited = time.monotonic() - t0
        if l1 < max_load:
            return {"load1": l1, "waited_s": round(waited), "gave_up": False}
        if waited >= max_wait:
            log(f"run.py: load1 still {l1} after {waited:.0f} s; measuring anyway (noted in the results)")
            return {"load1": l1, "waited_s": round(waited), "gave_up": True}
        log(f"run.py: load1 {l1} >= {max_load}, waiting ({waited:.0f}/{max_wait} s)")
        time.sleep(poll)


def counts_for(args):
    """Quick: fixed tiny counts; else N_* from the environment. --n-* flags win in both."""
    c = dict(QUICK_N) if args.quick else {k: env_num(f"N_{k}", v) for k, v in DEFAULT_N.items()}
    return c | {k: v for k in c if (v := getattr(args, f"n_{k.lower()}")) is not None}


def n_for(counts, w):
    return {"W2R": counts["W2"], "C1-parse": counts["CERTS"], "C1-verify": counts["CERTS"],
            "BASE": 0}.get(w, counts.get(w))


def select_rows(all_rows, spec):
    if not spec:
        return all_rows
    pats = [p.strip() for p in spec.split(",") if p.strip()]
    bad = [p for p in pats if not any(fnmatch.fnmatch(r.name, p) or r.lang == p for r in all_rows)]
    if bad:
        raise SystemExit(f"run.py: --clients: no row matches {', '.join(bad)}; rows are:\n  "
                         + "\n  ".join(r.name for r in all_rows))
    chosen = [r for r in all_rows if any(fnmatch.fnmatch(r.name, p) or r.lang == p for p in pats)]
    langs = {r.lang for r in chosen if not r.baseline}
    return [r for r in all_rows if r in chosen or (r.baseline and r.lang in langs)]


def measure(args):
    quick = args.quick
    pin = os.environ.get("BENCH_PIN", "same")
    if pin not in ("same", "none", "split"):
        raise SystemExit("run.py: BENCH_PIN must be same, none or split")
    cpu_c = "1" if NCPU > 1 else "0"
    pin_client = [] if pin == "none" else ["taskset", "-c", cpu_c]
    pin_nginx = {"none": [], "same": ["taskset", "-c", cpu_c], "split": ["taskset", "-c", "0"]}[pin]
    workloads = ALL_W if not args.workloads else [w.strip() for w in args.workloads.split(",")]
    if bad := [w for w in workloads if w not in ALL_W]:
        raise SystemExit(f"run.py: unknown workload(s) {bad}; known: {', '.join(ALL_W)}")
    WORK.mkdir(parents=True, exist_ok=True)
    build_runexec()
    rows = [r for r in select_rows(registry(), args.clients) if set(r.work) & set(workloads)]
    missing = {}
    for r in rows:
        for m in missing_parts(r):
            missing.setdefault(m, []).append(r.name)
    if missing:
        raise SystemExit("run.py: client command(s) missing (build them with `cargo xtask bench`, or pick "
                         "a subset with --clients):\n" + "\n".join(
                             f"  {m}  (rows: {', '.join(names)})" for m, names in missing.items()))
    if pin != "none" and shutil.which("taskset") is None:
        raise SystemExit("run.py: taskset not found (util-linux); or set BENCH_PIN=none")
    counts = counts_for(args)
    cfg = {"concurrency": args.concurrency or env_num("BENCH_CONCURRENCY", 32),
           "timeout": env_num("RUN_TIMEOUT_S", 300, float)}
    rounds = args.rounds or (1 if quick else 5)
    stem = "results-quick" if quick else "results"
    started = dt.datetime.now(dt.timezone.utc)
    data = {"schema": 1, "started_utc": started.isoformat(timespec="seconds"), "quick": quick,
            "pin": pin, "rounds": rounds, "counts": counts, "concurrency": cfg["concurrency"],
            "timeout_s": cfg["timeout"], "workloads": workloads,
            "rows": [{"name": r.name, "lang": r.lang, "tlsguard": r.tlsguard, "http2": r.http2,
                      "baseline": r.baseline} for r in rows],
            "env": environment(), "runs": [], "wire": [], "complete": False}
    res_path = WORK / f"{stem}.json"

    def save():
        res_path.write_text(json.dumps(data, indent=1))

    pki = make_pki()
    Nginx({}, []).stop_stale()                       # before picking ports: it may hold ours
    ports = pick_ports(env_num("BENCH_PORT", 8443))
    data["ports"] = ports
    nginx = Nginx(ports, pin_nginx)
    prev_term = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        nginx.start()
        data["nginx_curve_logged"] = nginx.curve != "-"
        runner = Runner(cfg, pki, ports, nginx, pin_client)
        unsupported = set()
        if not args.no_wire:
            log("run.py: wire check (logging twins)")
            data["wire"], unsupported = wire_check(runner, [r for r in rows if not r.baseline],
                                                   workloads, cfg["concurrency"])
            save()
        if quick or args.no_wait:
            data["load_before"] = {"load1": load1(), "waited_s": 0, "gave_up": False, "skipped_wait": True}
        else:
            data["load_before"] = wait_for_load(env_num("LOAD_MAX", 0.8, float),
                                                env_num("LOAD_WAIT_S", 900, float),
                                                env_num("LOAD_POLL_S", 15, float))
        plan = [(w, r) for w in workloads for r in rows if w in r.work]
        total, i = rounds * len(plan), 0
        log(f"run.py: {len(rows)} rows, {len(plan)} runs per round, {rounds} round(s), pin={pin}, "
            f"load1={data['load_before']['load1']}")
        for rnd in range(1, rounds + 1):
            for w, row in plan:                       # interleaved: A, B, C, A, B, C ...
                i += 1
                # M1 measures memory growth, not speed: once (round 1) is enough.
                if (row.name, w) in unsupported or (w == "M1" and rnd > 1):
                    continue
                rec = runner.run(row, w, n_for(counts, w)) | {"round": rnd}
                data["runs"].append(rec)
                if rec["status"] == "skipped":
                    unsupported.add((row.name, w))
                    log(f"[{i}/{total}] r{rnd} {w:<9} {row.name:<24} not supported (exit 3)")
                elif rec["status"] == "failed":
                    log(f"[{i}/{total}] r{rnd} {w:<9} {row.name:<24} FAILED: {rec.get('error', '')[-200:]}")
                else:
                    fc = f"  foreign CPU {rec['foreign_cpu_pct']:.0f}%" if rec["wall_s"] >= 0.5 else ""
                    log(f"[{i}/{total}] r{rnd} {w:<9} {row.name:<24} {fmt(rec['value']):>8} {UNIT[w]:<5} "
                        f"rss {rec['rss_kib'] / 1024:5.1f} MiB{fc}")
            data["unsupported"] = sorted(unsupported)
            save()
        data["complete"] = True
    except KeyboardInterrupt:
        log("run.py: interrupted; partial results saved")
        data["interrupted"] = True
    finally:
        if CURRENT["pid"]:
            kill_group(CURRENT["pid"])
        nginx.stop()
        signal.signal(signal.SIGTERM, prev_term)
        data["finished_utc"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        if "ports" in data:
            save()
    if not quick and data["complete"]:
        arch = WORK / "archive"
        arch.mkdir(exist_ok=True)
        shutil.copy(res_path, arch / f"results-{started.strftime('%Y%m%dT%H%M%SZ')}.json")
    if quick and args.write_results:
        log("run.py: --quick never writes bench/RESULTS.md; see the results-quick.md instead")
    out = ROOT / "bench" / "RESULTS.md" if args.write_results and not quick else WORK / f"{stem}.md"
    report([res_path], out)
    failed = [r for r in data["runs"] if r["status"] == "failed"]
    failed += [w for w in data["wire"] if w["status"] != "ok"]
    log(f"run.py: {len(data['runs'])} runs, {len(failed)} failed; results {res_path}, report {out}")
    if data.get("interrupted"):
        return 130
    return 1 if quick and failed else 0


# === Report ===
def fmt(v):
    """3 significant digits or so: 27482, 421, 5.54."""
    if v is None:
        return "–"
    a = abs(v)
    return f"{v:.0f}" if a >= 100 else f"{v:.1f}" if a >= 10 else f"{v:.2f}"


def md_table(head, rows, align):
    """Markdown table padded so the source reads aligned too; align: 'l' or 'r' per column."""
    cells = [[str(c) for c in r] for r in [head] + rows]
    w = [max(len(r[i]) for r in cells) for i in range(len(head))]
    line = lambda r: "| " + " | ".join(c.rjust(w[i]) if align[i] == "r" else c.ljust(w[i])
                                       for i, c in enumerate(r)) + " |"
    sep = "|" + "|".join("-" * (w[i] + 1) + ":" if align[i] == "r" else "-" * (w[i] + 2)
                         for i in range(len(head))) + "|"
    return [line(cells[0]), sep] + [line(r) for r in cells[1:]] + [""]


def median(xs):
    return statistics.median(xs) if xs else None


class Pool:
    """All runs of one or more result files, grouped by (row, workload)."""

    def __init__(self, datas):
        self.meta = {r["name"]: r for d in datas for r in d["rows"]}    # registry order
        self.rows = list(self.meta.values())
        self.runs = [r for d in datas for r in d["runs"]]
        self.ok = {}
        for r in self.runs:
            if r["status"] == "ok":
                self.ok.setdefault((r["row"], r["workload"]), []).append(r)
        self.wire = {(e["row"], e["workload"]): e for d in datas for e in d.get("wire", [])}  # last wins

    def values(self, row, w):
        return [r["value"] for r in self.ok.get((row, w), [])]

    def med(self, row, w):
        return median(self.values(row, w))

    def rss(self, row, w):
        return median([r["rss_kib"] / 1024 for r in self.ok.get((row, w), [])])

    def best(self, rows, w):
        """(row, median) of the best of `rows` for workload w (highest, or lowest for µs/op)."""
        c = [(r, self.med(r, w)) for r in rows if self.med(r, w) is not None]
        if not c:
            return None, None
        return (min if w in LOWER_IS_BETTER else max)(c, key=lambda x: x[1])

    def ratio(self, a, b, w):
        """How many times better a is than b (b/a for µs/op)."""
        if a is None or b is None or a <= 0 or b <= 0:
            return None
        return b / a if w in LOWER_IS_BETTER else a / b

    def http(self, row, w):
        e = self.wire.get((row, w))
        if e and e["http"]:
            return ",".join(e["http"])
        vs = sorted({r["result"].get("http") for r in self.ok.get((row, w), []) if r["result"].get("http")})
        return ",".join(vs) + " (client)" if vs else "–"


# Targets: (workload, label, tlsguard rows (best of), -h2 row, reference rows (best of), needed ratio).
# The Speed issue's (issue 19) where it set one, the earlier ones elsewhere.
def targets():
    t = []
    for w, spec in {
        "W1": [("python", [("pycurl",), 1.0]), ("python", [("requests",), 6]),
               ("node", [("undici", "https"), 2.5]), ("php", [("curl",), 1.1]),
               ("rust", [("rustls-raw",), 0.95])],
        "W2": [("python", [("pycurl",), 1.5]), ("node", [("undici", "https"), 3]),
               ("php", [("curl",), 1.8]), ("rust", [("rustls-raw",), 0.85])],
        "W3": [("python", [("urllib3",), 1.0]), ("node", [("https",), 1.5]),
               ("php", [("curl",), 1.1]), ("rust", [("rustls-raw",), 0.85])],
        "W4": [("python", [("pycurl",), 1.0]), ("python", [("aiohttp",), 2.5]),
               ("node", [("undici",), 3]), ("php", [("curl",), 1.0]), ("rust", [("rustls-raw",), 0.8])],
        # The streamed download against the best peer's streaming API (issue 19).
        "S1": [("python", [("pycurl", "urllib3", "requests", "httpx", "aiohttp"), 1.0]),
               ("node", [("undici", "https", "fetch"), 1.0]), ("php", [("curl", "guzzle"), 1.0]),
               ("rust", [("reqwest", "reqwest-ct"), 1.0])],
    }.items():
        for lang, (refs, need) in spec:
            tg = [f"{lang}-tlsguard"] + ([f"{lang}-tlsguard-async"] if w in ("W4", "S1") and lang == "python" else [])
            t.append((w, lang, tg, f"{lang}-tlsguard-h2", [f"{lang}-{r}" for r in refs], need))
    for w, lang, ref, need in [("C1-parse", "python", "cryptography", 1.0),
                               ("C1-verify", "python", "cryptography", 1.3),
                               ("C1-parse", "node", "x509", 10), ("C1-parse", "php", "openssl", 10),
                               ("C1-verify", "rust", "webpki", 0.9),
                               ("C1-parse", "rust", "x509-parser", 0.9)]:
        t.append((w, lang, [f"{lang}-tlsguard"], None, [f"{lang}-{ref}"], need))
    return t


def report(paths, out):
    datas = [json.loads(Path(p).read_text()) for p in paths]
    P = Pool(datas)
    last = datas[-1]
    env, v = last["env"], last["env"]["versions"]
    quick = any(d.get("quick") for d in datas)
    L = [f"# Benchmark results{' (includes a --quick smoke run: numbers meaningless)' if quick else ''}", "",
         "Generated by `bench/run.py` (method: [README.md](README.md)). Rows are interleaved within a run; "
         "compare rows within one table, and treat differences under ~25% as noise.", ""]
    m = env["machine"]
    L += [f"- Machine: {m['nproc']} vCPU, {m['cpu']}, {m['memory_gib']} GiB, kernel {m['kernel']}"]
    if len(datas) > 1:
        L += [f"- Pooled from {len(datas)} result files ({', '.join(Path(p).name for p in paths)}):"]
    for d in datas:       # one line per run: when, load, pinning, rounds, counts
        lb = d.get("load_before", {})
        L += [("  - " if len(datas) > 1 else "- ")
              + f"Run {d['started_utc']} – {d.get('finished_utc', '?')} (UTC)"
              + ("" if d.get("complete") else " **incomplete**")
              + f"; load1 before measuring {lb.get('load1')}"
              + (f" after waiting {lb['waited_s']} s" if lb.get("waited_s") else "")
              + (" (gave up waiting)" if lb.get("gave_up") else "")
              + (" (no wait)" if lb.get("skipped_wait") else "")
              + f"; BENCH_PIN={d['pin']}; {d['rounds']} round(s); counts "
              + ", ".join(f"{k} {c}" for k, c in d["counts"].items()) + f", W4 concurrency {d['concurrency']}"
              + "; ports " + ", ".join(str(p) for p in d.get("ports", {}).values())]
    L += [""]
    L += ["## Versions", ""] + md_table(["component", "version"], [
        ["nginx", v["nginx"]], ["openssl (CLI)", v["openssl"]], ["Python", v["python"]],
        ["Python packages", v["python_packages"]], ["Node", v["node"]], ["undici (npm)", v["undici"]],
        ["PHP", v["php"]], ["Guzzle (Debian)", v["guzzle"]], ["Rust", v["rustc"]],
        ["tlsguard commit", v["tlsguard_commit"]]], "ll")
    # -- per workload
    names = [r["name"] for r in P.rows if not r["baseline"]]
    for w in [w for w in ALL_W if w != "BASE"]:
        rows_w = [n for n in names if any(r["row"] == n and r["workload"] == w and r["status"] != "skipped"
                                          for r in P.runs)]
        if not rows_w:
            continue
        better = "lower is better" if w in LOWER_IS_BETTER else "higher is better"
        L += [f"## {w} ({UNIT[w]}, {better})", ""]
        raw = P.med("rust-rustls-raw", w)
        tab = []
        for n in rows_w:
            meta, vals = P.meta[n], P.values(n, w)
            tried = sum(r["row"] == n and r["workload"] == w and r["status"] != "skipped" for r in P.runs)
            xpeer = "–"
            if meta["tlsguard"]:
                peers = [r for r in names if P.meta[r]["lang"] == meta["lang"] and not P.meta[r]["tlsguard"]]
                bn, bv = P.best(peers, w)
                if bn:
                    xpeer = f"{fmt(P.ratio(P.med(n, w), bv, w))} ({bn.split('-', 1)[1]})"
            xraw = fmt(P.med(n, w) / raw) if raw and vals and w in HTTP_W else "–"
            tab.append([f"**{n}**" if meta["tlsguard"] else n,
                        "failed" if not vals else fmt(vals[0]) if len(vals) == 1 else
                        f"{fmt(median(vals))} ({fmt(min(vals))}–{fmt(max(vals))})",
                        len(vals) if len(vals) == tried else f"{len(vals)}/{tried}", xpeer, xraw,
                        fmt(P.rss(n, w)), P.http(n, w) if w not in CERT_W else "–"])
        L += md_table(["row", f"median (min–max) {UNIT[w]}", "runs", "×best peer", "×rustls-raw",
                       "RSS MiB", "HTTP"], tab, "lrrrrrl")
    # -- RSS
    ws = [w for w in ALL_W if w != "BASE" and any(P.values(n, w) for n in names)]
    L += ["## Peak RSS (MiB, median; ru_maxrss of the client process, interpreter included)", ""]
    L += md_table(["row"] + ws, [[n] + [fmt(P.rss(n, w)) for w in ws] for n in names
                                 if any(P.values(n, w) for w in ws)], "l" + "r" * len(ws))
    bases = {r["lang"]: r["name"] for r in P.rows if r["baseline"] and r["name"] != "baseline-php-noext"}
    base_rows = [[r["name"], fmt(P.med(r["name"], "BASE"))] for r in P.rows if r["baseline"]]
    if base_rows:
        L += ["Baselines (idle host process: `runexec --idle` (an empty Rust program), `python -c pass`, "
              "`node -e 0`, `php -r ';'` with the extension loaded, and without it):", ""]
        L += md_table(["baseline", "RSS MiB"], base_rows, "lr")
    # -- W4 minus baseline
    dl = []
    for n in names:
        lang, w4 = P.meta[n]["lang"], P.rss(n, "W4")
        b = P.med(bases.get(lang, ""), "BASE")
        if w4 is not None:
            dl.append([f"**{n}**" if P.meta[n]["tlsguard"] else n, fmt(w4), fmt(b),
                       fmt(w4 - b) if b is not None else "–"])
    if dl:
        L += ["## W4 peak RSS minus the language's baseline (MiB)", ""]
        L += md_table(["row", "W4 RSS", "baseline", "Δ"], dl, "lrrr")
        nox = P.med("baseline-php-noext", "BASE")
        if nox is not None and P.med("baseline-php", "BASE") is not None:
            L += [f"PHP's baseline loads the tlsguard extension; without it, `php -r ';'` peaks at "
                  f"{fmt(nox)} MiB (the extension adds {fmt(P.med('baseline-php', 'BASE') - nox)} MiB "
                  f"loaded and idle).", ""]
    # -- M1
    m1 = []
    for n in names:
        rs = P.ok.get((n, "M1"), [])
        if rs:
            g = [r["result"]["rss_end_kib"] - r["result"]["rss_start_kib"] for r in rs]
            m1.append([n, fmt(P.med(n, "M1")), f'{median([r["result"]["rss_start_kib"] for r in rs]):.0f}',
                       f'{median([r["result"]["rss_end_kib"] for r in rs]):.0f}', f"{median(g):.0f}",
                       f"{median(g) * 1024 / 1e6:.2f}", f"{max(g) * 1024 / 1e6:.2f}"])
    if m1:
        L += [f"## M1 memory growth (W1 × {last['counts']['M1']}; VmRSS after 1,000 requests → after "
              "the last)", ""]
        L += md_table(["row", "req/s", "start KiB", "end KiB", "growth KiB", "growth MB", "max MB"], m1,
                      "lrrrrrr")
    # -- targets
    tl = []
    for w, lang, tg, h2, refs, need in targets():
        tn, tv = P.best(tg, w)
        rn, rv = P.best(refs, w)
        r = P.ratio(tv, rv, w)
        rh = P.ratio(P.med(h2, w), rv, w) if h2 else None
        tl.append([w, lang, " / ".join(tg), "best of " + " / ".join(refs) if len(refs) > 1 else refs[0],
                   f"≥ {need}", fmt(r) + (f" ({tn.split('-', 1)[1]})" if tn and len(tg) > 1 else ""),
                   fmt(rh) if h2 else "–", "n/a" if r is None else "MET" if r >= need else "MISSED"])
    for lang in ["rust", "python", "node", "php"]:
        b = P.med(bases.get(lang, ""), "BASE")
        d, dh = [(P.rss(n, "W4") - b) if b is not None and P.rss(n, "W4") is not None else None
                 for n in (f"{lang}-tlsguard", f"{lang}-tlsguard-h2")]
        tl.append(["W4 RSS", lang, f"{lang}-tlsguard", f"baseline-{lang}", "≤ 10 MiB",
                   f"{fmt(d)} MiB" if d is not None else "–", f"{fmt(dh)} MiB" if dh is not None else "–",
                   "n/a" if d is None else "MET" if d <= 10 else "MISSED"])
    for lang in ["rust", "python", "node", "php"]:
        g = []
        for n in (f"{lang}-tlsguard", f"{lang}-tlsguard-h2"):
            rs = P.ok.get((n, "M1"), [])
            g.append(median([(r["result"]["rss_end_kib"] - r["result"]["rss_start_kib"]) * 1024 / 1e6
                             for r in rs]) if rs else None)
        tl.append(["M1", lang, f"{lang}-tlsguard", "growth", "< 5 MB",
                   *(f"{x:.2f} MB" if x is not None else "–" for x in g),
                   "n/a" if g[0] is None else "MET" if g[0] < 5 else "MISSED"])
    L += ["## Targets (from the medians; ratio = tlsguard / reference, or reference µs / tlsguard µs)", ""]
    L += md_table(["workload", "lang", "tlsguard", "reference", "needed", "ratio / value", "-h2",
                   "result"], tl, "lllllrrl")
    n_met = sum(t[-1] == "MET" for t in tl)
    n_miss = sum(t[-1] == "MISSED" for t in tl)
    L += [f"{n_met} met, {n_miss} missed, {len(tl) - n_met - n_miss} without data.", ""]
    # -- wire check
    if P.wire:
        wl = [[e["row"], e["workload"], e["requests"], e["connections"], ",".join(e["tls"]),
               ",".join(e["group"]), e["resumed"], ",".join(e["http"]), "; ".join(e["flags"])]
              for e in P.wire.values()]
        L += ["## Wire check (logging twins, small counts: W1 20, W2 5, W2R 5 with resumption on, W4 64)", ""]
        L += md_table(["row", "workload", "requests", "conns", "TLS", "group", "resumed", "HTTP", "flags"],
                      wl, "llrrllrll")
    # -- CPU accounting
    # /proc/stat counts in 10 ms ticks: runs shorter than 0.5 s say nothing about foreign CPU.
    ok = [r for r in P.runs if r["status"] == "ok" and r.get("foreign_cpu_pct") is not None
          and r["workload"] != "BASE" and r["wall_s"] >= 0.5]
    if ok:
        f = sorted(r["foreign_cpu_pct"] for r in ok)
        st = sorted(r.get("steal_pct") or 0 for r in ok)
        L += ["## Foreign CPU (machine busy − client − nginx worker, % of all vCPUs, per run)", "",
              f"median {fmt(median(f))}%, p90 {fmt(f[int(0.9 * (len(f) - 1))])}%, max {fmt(f[-1])}% "
              f"over {len(f)} runs of 0.5 s or longer; {sum(x > 10 for x in f)} run(s) above 10%. "
              f"Steal: median {fmt(median(st))}%, max {fmt(st[-1])}%.", ""]
        top = sorted(ok, key=lambda r: -r["foreign_cpu_pct"])[:5]
        if top and top[0]["foreign_cpu_pct"] > 10:
            L += md_table(["row", "workload", "round", "foreign %", "load1"],
                          [[r["row"], r["workload"], r.get("round"), fmt(r["foreign_cpu_pct"]), r["load1"]]
                           for r in top], "llrrr")
        ng = [[w, fmt(sum(r["nginx_cpu_s"] for r in rs) / sum(r["n"] for r in rs) * 1e6)]
              for w in HTTP_W + ["M1"]
              if (rs := [r for r in P.runs if r["status"] == "ok" and r["workload"] == w])]
        if ng:
            L += ["nginx worker CPU per request (µs; all rows and rounds, total CPU / total requests):", ""]
            L += md_table(["workload", "nginx µs/req"], ng, "lr")
    # -- the client's own CPU per request (its rusage: user + sys of the process and its threads,
    # start-up included), so a row that waits on the server shows as such next to its throughput.
    cw = [w for w in HTTP_W + ["M1", "S1"] if any(r["status"] == "ok" and r["workload"] == w for r in P.runs)]
    if cw:
        def cpu_per_req(row, w):
            xs = [(r["cpu_user_s"] + r["cpu_sys_s"]) / r["n"] * 1e6 for r in P.ok.get((row, w), [])
                  if r.get("cpu_user_s") is not None and r.get("n")]
            return median(xs)
        rows_cpu = []
        for row in sorted({r for (r, w) in P.ok if w in cw}):
            cells = [cpu_per_req(row, w) for w in cw]
            if any(c is not None for c in cells):
                rows_cpu.append([row] + [fmt(c) if c is not None else "–" for c in cells])
        if rows_cpu:
            L += ["## Client CPU per request (µs: user + sys of the client process and its threads, "
                  "median over rounds; start-up included)", ""]
            L += md_table(["row"] + cw, rows_cpu, "l" + "r" * len(cw))
    # -- failures and skips
    failed = [r for r in P.runs if r["status"] == "failed"]
    skipped = sorted({(r["row"], r["workload"]) for r in P.runs if r["status"] == "skipped"}
                     | {tuple(x) for d in datas for x in d.get("unsupported", [])})
    if failed:
        L += [f"## Failed runs ({len(failed)})", ""]
        L += md_table(["row", "workload", "round", "rc", "error (tail)"],
                      [[r["row"], r["workload"], r.get("round"), r.get("rc"),
                        re.sub(r"\s+", " ", r.get("error", ""))[-160:].replace("|", "\\|")] for r in failed],
                      "llrrl")
    if skipped:
        L += ["Not supported by the client (exit 3): " + ", ".join(f"{a} {b}" for a, b in skipped) + ".", ""]
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    # A hand-written part (profiles and causes of missed targets) after the marker is kept.
    kept = ""
    if Path(out).is_file() and ANALYSIS_MARKER in (old := Path(out).read_text()):
        kept = "\n" + old[old.index(ANALYSIS_MARKER):]
    Path(out).write_text("\n".join(L).rstrip() + "\n" + kept)
    return out


def main(argv):
    if argv[:1] == ["report"]:
        ap = argparse.ArgumentParser(prog="run.py report", description="Markdown report from results files "
                                     "(several files are pooled).")
        ap.add_argument("files", nargs="*")
        ap.add_argument("--write-results", action="store_true", help="write bench/RESULTS.md")
        ap.add_argument("--out", help="write the report to this file instead")
        a = ap.parse_args(argv[1:])
        files = a.files or [str(WORK / "results.json")]
        if missing := [f for f in files if not Path(f).is_file()]:
            log(f"run.py report: no such results file: {', '.join(missing)}")
            return 2
        out = a.out or (ROOT / "bench" / "RESULTS.md" if a.write_results else WORK / "results.md")
        log(f"run.py: report written to {report(files, out)}")
        return 0
    ap = argparse.ArgumentParser(prog="run.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="tiny counts, 1 round, no load wait: a smoke test")
    ap.add_argument("--rounds", type=int, help="interleaved rounds (default 5)")
    ap.add_argument("--clients", help="comma-separated row names, globs (python-*) or languages")
    ap.add_argument("--workloads", help=f"comma-separated, from {','.join(ALL_W)}")
    ap.add_argument("--no-wire", action="store_true", help="skip the wire check")
    ap.add_argument("--no-wait", action="store_true", help="do not wait for load1 < LOAD_MAX")
    ap.add_argument("--write-results", action="store_true", help="write the report to bench/RESULTS.md")
    ap.add_argument("--concurrency", type=int, help="W4 requests in flight (default 32)")
    for k in DEFAULT_N:
        ap.add_argument(f"--n-{k.lower()}", type=int, help=f"count for {k} (default {DEFAULT_N[k]})")
    a = ap.parse_args(argv)
    os.chdir(ROOT)
    try:
        return measure(a)
    except SystemExit as e:       # setup errors are raised as SystemExit("run.py: message")
        if isinstance(e.code, str):
            log(e.code)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
