"""The stubs match the native module (mypy.stubtest); the facade type-checks; __all__ is right."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import tlsguard


def _mypy_available() -> bool:
    try:
        import mypy  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.skipif(not _mypy_available(), reason="mypy is not installed (pip install mypy)")
def test_stubtest_native_module(tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "tlsguard._native", "--mypy-config-file", os.devnull],
        capture_output=True,
        text=True,
        cwd=tmp_path,  # import the installed package, not a source tree
    )
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.skipif(not _mypy_available(), reason="mypy is not installed (pip install mypy)")
def test_mypy_strict_on_the_package(tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", str(tmp_path), "-p", "tlsguard"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stdout + r.stderr


def test_all_is_complete() -> None:
    for name in tlsguard.__all__:
        assert hasattr(tlsguard, name), name
    public = {n for n in vars(tlsguard) if not n.startswith("_")} - {
        "annotations", "asyncio", "datetime", "PathLike", "Any", "Iterable", "List", "Mapping",
        "Optional", "Sequence", "Tuple", "Union", "Literal", "Dict", "Iterator", "AsyncIterator", "AuthInput", "TimeoutInput", "IO", "Content", "Files", "exceptions", "adapters", "StrPath", "PemInput", "Params",
        "HeadersInput", "Data", "Time", "AsyncContent", "RetriesInput", "AsyncIterable", "Callable", "TYPE_CHECKING", "cast",
    }
    assert public <= set(tlsguard.__all__), public - set(tlsguard.__all__)
    assert (Path(tlsguard.__file__).parent / "py.typed").exists()
