#!/usr/bin/env bash
# Compares Rollbook's RS256 id_token signing rate with the RSA-2048 sign rate of `openssl speed` on the same
# machine in the same run. Rollbook's rate comes from the JWTBenchmark test in a release build, which builds the
# claims, signs and encodes a whole id_token per iteration, first on one thread, then on one per core.
# Usage: bench/sso_signing.sh [seconds per measurement, default 5]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-5}"
cores="$(nproc)"

# This first run only builds the benchmark. It goes through `swift test` because the benchmark needs testable
# imports, which `swift build -c release --build-tests` does not compile.
ROLLBOOK_BENCH=0 swift test -c release --filter JWTBenchmark >/dev/null

openssl_rate() {
    # The last line of `openssl speed` reads: rsa 2048 bits <s/sign> <s/verify> <sign/s> <verify/s>.
    openssl speed "$@" -seconds "$seconds" rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ { rate = $6 } END { print rate }'
}

single_openssl="$(openssl_rate)"
multi_openssl="$(openssl_rate -multi "$cores")"
ours="$(ROLLBOOK_BENCH=1 ROLLBOOK_BENCH_SECONDS="$seconds" swift test -c release \
    --filter JWTBenchmark 2>/dev/null | grep '^rollbook_idtoken_sign_per_second')"
single_ours="$(awk '/threads=1 / { print $3 }' <<<"$ours")"
multi_ours="$(awk '!/threads=1 / { print $3 }' <<<"$ours")"

printf 'openssl speed rsa2048 sign/s, 1 process:  %s\n' "$single_openssl"
printf 'rollbook id_tokens/s, 1 thread:           %s (%.2fx)\n' "$single_ours" \
    "$(awk -v a="$single_ours" -v b="$single_openssl" 'BEGIN { print a / b }')"
printf 'openssl speed rsa2048 sign/s, %s processes: %s\n' "$cores" "$multi_openssl"
printf 'rollbook id_tokens/s, %s threads:          %s (%.2fx)\n' "$cores" "$multi_ours" \
    "$(awk -v a="$multi_ours" -v b="$multi_openssl" 'BEGIN { print a / b }')"
