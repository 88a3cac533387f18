#!/usr/bin/env bash
# Runs every fuzz target for a short while (default 20 s each) on a copy of the seed corpus.
# Fails on the first crash, panic, timeout or OOM. Needs cargo-fuzz; works on stable Rust
# through RUSTC_BOOTSTRAP=1 (cargo-fuzz needs -Zsanitizer).
#
#   crates/tlsguard/fuzz/smoke.sh [seconds-per-target] [target...]
#
# Environment: CARGO_TARGET_DIR (default: target/ inside this directory).
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-20}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(parse_pem parse_der verify_chain lint options_json)
fi
export RUSTC_BOOTSTRAP=1
target_dir=()
if [ -n "${CARGO_TARGET_DIR:-}" ]; then target_dir=(--target-dir "$CARGO_TARGET_DIR"); fi
# cargo fuzz has no --locked: check the committed Cargo.lock first, so a build never rewrites it.
cargo fetch --locked
cargo fuzz build "${target_dir[@]}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for t in "${targets[@]}"; do
    mkdir -p "$work/$t" "$work/artifacts/$t"
    echo "== $t: ${secs}s"
    # The first corpus directory receives new inputs: a scratch copy, so the committed seed
    # corpus stays small. Crashing inputs go to artifacts/<target>/ here.
    mkdir -p "artifacts/$t"
    rc=0
    cargo fuzz run "${target_dir[@]}" "$t" "$work/$t" "corpus/$t" -- \
        -max_total_time="$secs" -timeout=10 -max_len=8192 -print_final_stats=1 \
        -artifact_prefix="artifacts/$t/" >"$work/$t.log" 2>&1 || rc=$?
    grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|Done )' "$work/$t.log" || true
    grep -E 'cov: ' "$work/$t.log" | tail -n 1 || true
    if [ "$rc" -ne 0 ]; then
        tail -n 60 "$work/$t.log" >&2
        echo "FAILED: $t (exit $rc; crashing input in crates/tlsguard/fuzz/artifacts/$t/)" >&2
        exit 1
    fi
done
echo "all ${#targets[@]} targets ran ${secs}s without a crash"
