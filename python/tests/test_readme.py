"""Runs the README's quickstart against the test kit's server.

The block is taken from python/README.md as written; only the placeholders it names (the CA
file `ca.pem` and the server `https://localhost:8443`) are replaced by the kit's.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path
from typing import Any

README = Path(__file__).resolve().parents[1] / "README.md"


def quickstart() -> str:
    text = README.read_text()
    section = text.split("## Quickstart", 1)[1]
    m = re.search(r"```python\n(.*?)```", section, re.S)
    assert m, "no python block in the README's Quickstart"
    return m.group(1)


def test_readme_quickstart(kit: Any) -> None:
    code = quickstart()
    assert '"ca.pem"' in code and "https://localhost:8443" in code
    code = code.replace('"ca.pem"', repr(kit.pki("root_ca"))).replace("https://localhost:8443", kit.server("good"))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(README), "exec"), {"__name__": "__readme__"})
    printed = out.getvalue()
    assert "200" in printed
    assert "CERT_UNKNOWN_ISSUER" in printed
    assert "hello" in printed or "world" in printed
