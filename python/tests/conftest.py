"""Shared fixtures: the test kit (scenario servers + manifest), started once per session.

The kit is `tlsguard-testkit serve --dir DIR` (build it with `cargo build -p tlsguard-testkit`;
override the path with $TLSGUARD_TESTKIT). It runs while its stdin pipe is open.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

REPO = Path(__file__).resolve().parents[2]
ERRORS_JSON = REPO / "tests" / "errors.json"


class Kit:
    def __init__(self) -> None:
        binary = os.environ.get("TLSGUARD_TESTKIT") or str(REPO / "target" / "debug" / "tlsguard-testkit")
        if not Path(binary).exists():
            raise RuntimeError(f"{binary} not found: run `cargo build -p tlsguard-testkit` (or set TLSGUARD_TESTKIT)")
        self.tmp = tempfile.TemporaryDirectory(prefix="tlsguard-py-kit-")
        self.proc = subprocess.Popen(
            [binary, "serve", "--dir", self.tmp.name],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        ready: List[str] = []
        reader = threading.Thread(target=lambda: ready.append(self.proc.stdout.readline()), daemon=True)  # type: ignore[union-attr]
        reader.start()
        reader.join(120)
        line = ready[0].strip() if ready else ""
        if not line.startswith("READY "):
            self.stop()
            raise RuntimeError(f"tlsguard-testkit did not start (got {line!r})")
        self.manifest: Dict[str, Any] = json.loads(Path(line[len("READY ") :]).read_text())
        self.scenarios: Dict[str, Dict[str, Any]] = {s["name"]: s for s in self.manifest["scenarios"]}

    def pki(self, name: str) -> str:
        return self.manifest["pki"][name]

    def server(self, name: str) -> str:
        return self.manifest["servers"][name]

    def stop(self) -> None:
        try:
            if self.proc.stdin:
                self.proc.stdin.close()
            self.proc.wait(timeout=15)
        except Exception:
            self.proc.kill()
            self.proc.wait()
        self.tmp.cleanup()


_KIT: Optional[Kit] = None


def get_kit() -> Kit:
    """The kit, started on first use (scenario names are needed at collection time)."""
    global _KIT
    if _KIT is None:
        _KIT = Kit()
    return _KIT


def pytest_unconfigure(config: pytest.Config) -> None:
    global _KIT
    if _KIT is not None and os.getpid() == _PID:  # not in forked children
        _KIT.stop()
        _KIT = None


_PID = os.getpid()


@pytest.fixture(scope="session")
def kit() -> Kit:
    return get_kit()


@pytest.fixture(scope="session")
def ca_client(kit: Kit) -> Any:
    """A client that trusts the kit's root CA."""
    import tlsguard

    return tlsguard.Client(roots="none", ca_file=kit.pki("root_ca"))


@pytest.fixture(scope="session")
def good_url(kit: Kit) -> str:
    return kit.server("good") + "/"


@pytest.fixture(scope="session")
def error_table() -> List[Dict[str, str]]:
    return json.loads(ERRORS_JSON.read_text())["errors"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "scenario" in metafunc.fixturenames:
        scenarios = list(get_kit().scenarios.values())
        metafunc.parametrize("scenario", scenarios, ids=[s["name"] for s in scenarios])
