"""tlsguard demo: one verified request and three refusals, against the test kit.

    python examples/demo.py /path/to/manifest.json   (from `tlsguard-testkit serve --dir DIR`)
"""

import json
import sys

import tlsguard


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: python examples/demo.py MANIFEST.json", file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        manifest = json.load(f)
    scenarios = {s["name"]: s for s in manifest["scenarios"]}
    trust = {"roots": "none", "ca_file": manifest["pki"]["root_ca"]}

    with tlsguard.Client(**trust) as client:
        url = scenarios["good"]["url"]
        r = client.get(url)
        leaf = r.peer_certificates[0]
        print(f"OK      {url}")
        print(f"        {r.status_code}, {r.http_version} over {r.tls_version} ({r.cipher_suite})")
        print(f"        certificate {leaf.subject}, valid until {leaf.not_after:%Y-%m-%d}")
        print(f"        body: {r.text.strip()[:60]!r}")

        refused = 0
        for name in ("expired", "missing_intermediate", "tls10_only"):
            url = scenarios[name]["url"]
            try:
                client.get(url)
                print(f"\nUNEXPECTED {name}: accepted")
            except tlsguard.TlsGuardError as e:
                refused += 1
                print(f"\nREFUSED {url}  ({name}, {type(e).__name__})")
                print(f"        code:    {e.code}")
                print(f"        message: {e.message}")
                print(f"        hint:    {e.hint}")
                if e.chain:
                    print(f"        chain:   {' <- '.join(c.subject for c in e.chain)}")
    return 0 if refused == 3 else 1


if __name__ == "__main__":
    sys.exit(main())
