"""The facade's documented defaults (the signature of ``Client.__init__``) are the core's
(``ClientOptions::defaults_json``): a default changed in the core fails here until the facade
follows."""

import inspect
from typing import Any

import tlsguard
from tlsguard import _native


def _same(python_default: Any, core_default: Any) -> bool:
    # None in the signature means "the core's default", which is an empty value there.
    if python_default is None:
        return core_default in (None, [], {})
    if isinstance(python_default, bool) or isinstance(core_default, bool):
        return python_default is core_default
    return bool(python_default == core_default)


def test_client_signature_defaults_are_the_cores() -> None:
    core = _native._client_defaults()
    params = [
        p
        for p in inspect.signature(tlsguard.Client.__init__).parameters.values()
        if p.kind is inspect.Parameter.KEYWORD_ONLY and p.name not in ("transport", "event_hooks")  # Python's own
    ]
    assert len(params) >= 15, params
    for p in params:
        assert p.name in core, f"{p.name} is not a core option"
        assert _same(p.default, core[p.name]), f"{p.name}: the facade says {p.default!r}, the core {core[p.name]!r}"
