#!/usr/bin/env bash
# Measure token requests per second at /oauth/token of `rollbook serve` that issue a signed id_token, against the
# RSA-2048 sign rate of `openssl speed` on the same machine in the same run.
#
# The script syncs a generated 1,000-user district for an app with one confidential SSO client. It starts the pyop
# provider of Tests/Fixtures/upstream_op.py as the district's upstream OpenID provider with trust_email, and that
# provider's one user has a roster student's verified e-mail. The browser flow of Tests/Fixtures/relying_party.py
# signs this person in once, which gives the `rollbook_sso` session cookie. Then, for each service `threads`
# setting, each round mints codes at /oauth/authorize with that cookie (wrk, bench/sso_mint_codes.lua) and
# exchanges every code once at /oauth/token (wrk, bench/sso_exchange_codes.lua). Only 200 responses with an
# id_token count.
#
# Usage: bench/sso_tokens.sh
# Environment: ROUNDS (rounds per threads setting, default 3), CODES (codes per round, default 20000),
#              SERVICE_THREADS (the service's `threads` settings to measure, default "1 2"), CONNECTIONS (wrk
#              connections, default 8), WRK_THREADS (wrk threads, default 1), OPENSSL_SECONDS (seconds per
#              `openssl speed` run, default 10), ROLLBOOK (binary, default <repo>/.build/release/rollbook, built
#              when missing).
# Needs wrk, openssl and Python 3 with pyop, Authlib and requests (`.ci/install` installs them).
# Results are appended to bench/results/sso_tokens.md.
set -euo pipefail

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/lib.sh
source "$bench_dir/lib.sh"
repo=$(cd "$bench_dir/.." && pwd)
rounds=${ROUNDS:-3}
codes_per_round=${CODES:-20000}
service_threads=${SERVICE_THREADS:-1 2}
connections=${CONNECTIONS:-8}
wrk_threads=${WRK_THREADS:-1}
openssl_seconds=${OPENSSL_SECONDS:-10}
results_file="$bench_dir/results/sso_tokens.md"

for setting in ROUNDS CODES CONNECTIONS WRK_THREADS OPENSSL_SECONDS; do
    value=${!setting:-1}
    [[ $value =~ ^[1-9][0-9]*$ ]] || fail "$setting is '$value'; expected a positive whole number"
done
for threads in $service_threads; do
    [[ $threads =~ ^[1-9][0-9]*$ ]] || fail "SERVICE_THREADS contains '$threads'; expected positive whole numbers"
done
# The service keeps a redeemed code for at least 11 minutes to detect a second use, and rejects new codes while
# 100,000 are kept. One service process serves every round of a threads setting, plus two warm-up codes.
((rounds * codes_per_round + 2 <= 100000)) ||
    fail "ROUNDS x CODES is $((rounds * codes_per_round)); expected at most 99,998 codes per service process"
((connections >= wrk_threads)) || fail "CONNECTIONS ($connections) must be at least WRK_THREADS ($wrk_threads)"
((codes_per_round >= wrk_threads)) || fail "CODES ($codes_per_round) must be at least WRK_THREADS ($wrk_threads)"

command -v wrk >/dev/null || fail "wrk is missing; install it with 'apt-get install wrk'"
command -v openssl >/dev/null || fail "openssl is missing; install it with 'apt-get install openssl'"
command -v curl >/dev/null || fail "curl is missing; install it with 'apt-get install curl'"
python3 -c 'import pyop, authlib, requests' 2>/dev/null ||
    fail "Python's pyop, authlib or requests module is missing; .ci/install installs them"

rollbook=${ROLLBOOK:-$repo/.build/release/rollbook}
if [[ -z ${ROLLBOOK:-} && ! -x $rollbook ]]; then
    echo "building rollbook (swift build -c release)" >&2
    (cd "$repo" && swift build -c release --product rollbook) >&2
fi
[[ -x $rollbook ]] || fail "rollbook binary '$rollbook' is not executable; set ROLLBOOK to a built binary"

work=$(mktemp -d "${TMPDIR:-/tmp}/rollbook-sso-tokens.XXXXXX")
service_pid=""
provider_pid=""
wrk_pid=""
cleanup() {
    [[ -n $wrk_pid ]] && kill "$wrk_pid" 2>/dev/null && wait "$wrk_pid" 2>/dev/null
    [[ -n $service_pid ]] && kill "$service_pid" 2>/dev/null && wait "$service_pid" 2>/dev/null
    if [[ -n $provider_pid ]]; then
        # Closing its standard input stops the provider, and so does SIGTERM.
        exec 3>&-
        kill "$provider_pid" 2>/dev/null && wait "$provider_pid" 2>/dev/null
    fi
    rm -rf "$work"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# openssl_rate ARGS...: prints the sign/s of `openssl speed` from its line "rsa 2048 bits <s/sign> <s/verify> <sign/s>
# <verify/s>". The script runs it first, while nothing else of this script runs.
openssl_rate() {
    openssl speed "$@" -seconds "$openssl_seconds" rsa2048 2>/dev/null |
        awk '/^rsa 2048 bits/ { rate = $6 } END { print rate }'
}
declare -A openssl_signs
for threads in $service_threads; do
    if ((threads == 1)); then
        openssl_signs[$threads]=$(openssl_rate)
    else
        openssl_signs[$threads]=$(openssl_rate -multi "$threads")
    fi
    [[ -n ${openssl_signs[$threads]} ]] || fail "openssl speed printed no rsa 2048 line for $threads process(es)"
    echo "openssl speed rsa2048, $threads process(es): ${openssl_signs[$threads]} sign/s" >&2
done

echo "generating a 1,000-user district" >&2
package="$work/package"
python3 "$bench_dir/generate_district.py" --users 1000 --seed 1 --out "$package" >"$work/generate.txt" 2>&1 ||
    fail "generate_district.py failed: $(tail -n 5 "$work/generate.txt")"
# The upstream provider's user has the e-mail of the first enabled student who has one, so trust_email links them.
student_email=$(python3 - "$package/users.csv" <<'PY'
import csv, sys
with open(sys.argv[1], newline="", encoding="utf-8") as file:
    for row in csv.DictReader(file):
        if row["role"] == "student" and row["email"] and row["enabledUser"] == "true":
            print(row["email"])
            break
PY
)
[[ -n $student_email ]] || fail "the generated users.csv has no enabled student with an e-mail address"

mkdir -p "$work/connectors/apps"
ln -s "$repo/connectors/sis" "$work/connectors/sis"
echo 'return { name = "bench" }' >"$work/connectors/apps/bench.lua"

client_id="bench-web"
client_secret="bench-secret-$(head -c 12 /dev/urandom | base64 | tr -d '/+=')"
client_hash=$(printf '%s\n' "$client_secret" | "$rollbook" hash-secret)
upstream_client_secret="upstream-secret-$(head -c 12 /dev/urandom | base64 | tr -d '/+=')"
# Nothing listens at the redirect URI: the codes are read from the Location header.
redirect_uri="http://127.0.0.1:9/bench/callback"
service_port=$(free_port)
base="http://127.0.0.1:$service_port"

printf '{"bench": {"sub": "op-bench-1", "email": "%s", "email_verified": true}}\n' "$student_email" \
    >"$work/upstream_users.json"
mkfifo "$work/provider.stdin"
python3 "$repo/Tests/Fixtures/upstream_op.py" "$work/upstream_users.json" \
    --client rollbook-at-op "$upstream_client_secret" client_secret_basic \
    --redirect-uri "$base/sso/callback" --default-user bench \
    <"$work/provider.stdin" >"$work/provider.port" 2>"$work/provider.log" &
provider_pid=$!
exec 3>"$work/provider.stdin"
for _ in $(seq 1 100); do
    [[ -s $work/provider.port ]] && break
    sleep 0.1
done
provider_port=$(head -n 1 "$work/provider.port")
[[ $provider_port =~ ^[0-9]+$ ]] ||
    fail "the upstream provider did not print its port within 10 s; see its log: $(tail -n 5 "$work/provider.log")"

# write_config THREADS: writes config.lua with the service's `threads` setting.
write_config() {
    cat >"$work/config.lua" <<LUA
store = "$work/store.sqlite"
connectors_dir = "$work/connectors"
server = { listen = "127.0.0.1:$service_port", threads = $1 }
districts = {
    { id = "bench", name = "Bench district", connector = "oneroster_csv", settings = { path = "$package" },
      identity = {
        { id = "cloud", type = "oidc", label = "Sign in with Bench Cloud", issuer = "http://127.0.0.1:$provider_port",
          client_id = "rollbook-at-op", client_secret = "$upstream_client_secret", trust_email = true },
      } },
}
apps = {
    { id = "bench", name = "Bench app", districts = { "bench" }, mapping = "bench",
      sso = { clients = {
        { id = "$client_id", secret_hash = "$client_hash", redirect_uris = { "$redirect_uri" },
          scopes = { "openid", "profile", "email" } },
      } } },
}
LUA
}

write_config 1
echo "syncing the district" >&2
"$rollbook" sync --config "$work/config.lua" >"$work/sync.txt" 2>&1 || {
    tail -n 20 "$work/sync.txt" >&2
    fail "rollbook sync failed"
}

# One PKCE verifier serves every code, and the service still hashes it for each exchange.
verifier="bench-verifier-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ"
challenge=$(python3 -c 'import base64, hashlib, sys
print(base64.urlsafe_b64encode(hashlib.sha256(sys.argv[1].encode()).digest()).rstrip(b"=").decode())' "$verifier")
redirect_encoded=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$redirect_uri")
authorize_path="/oauth/authorize?response_type=code&client_id=$client_id&redirect_uri=$redirect_encoded"
authorize_path+="&scope=openid%20profile%20email&state=bench&nonce=bench-nonce&code_challenge=$challenge"
authorize_path+="&code_challenge_method=S256"
basic_credentials=$(printf '%s:%s' "$client_id" "$client_secret" | base64 -w 0)

# start_service THREADS: starts `rollbook serve` with that threads setting and waits until it is ready.
start_service() {
    write_config "$1"
    "$rollbook" serve --config "$work/config.lua" 2>"$work/serve-$1.log" &
    service_pid=$!
    for _ in $(seq 1 100); do
        curl -fs "$base/readyz" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    fail "rollbook serve did not become ready within 10 s; see its log: $(tail -n 5 "$work/serve-$1.log")"
}

stop_service() {
    kill "$service_pid"
    wait "$service_pid" 2>/dev/null || true
    service_pid=""
}

# sign_in: signs the upstream provider's user in through the browser flow and prints the session cookie's value.
sign_in() {
    rm -f "$work/cookies.txt"
    python3 "$repo/Tests/Fixtures/relying_party.py" "$base" "$client_id" "$client_secret" "$redirect_uri" \
        --district bench --provider cloud --scope "openid profile email" --cookies "$work/cookies.txt" \
        --stop-at-callback >"$work/signin.json" 2>"$work/signin.log" ||
        fail "the browser sign-in failed: $(head -c 2000 "$work/signin.json")"
    python3 -c 'import json, sys; document = json.load(open(sys.argv[1])); assert document.get("code"), document' \
        "$work/signin.json" 2>/dev/null ||
        fail "the browser sign-in ended without a code: $(head -c 2000 "$work/signin.json")"
    awk -F'\t' '$6 == "rollbook_sso" { print $7 }' "$work/cookies.txt"
}

# mint_one: prints one code minted with curl.
mint_one() {
    curl -fs -o /dev/null -w '%{redirect_url}' -H "Cookie: rollbook_sso=$cookie" "$base$authorize_path" |
        sed -n 's/.*[?&]code=\([^&]*\).*/\1/p'
}

# exchange_seconds CODE: exchanges one code with curl and prints the seconds it took, or fails.
exchange_seconds() {
    local status
    status=$(curl -s -o "$work/token.json" -w '%{http_code} %{time_total}' -u "$client_id:$client_secret" \
        --data "grant_type=authorization_code&code=$1&redirect_uri=$redirect_encoded&code_verifier=$verifier" \
        "$base/oauth/token")
    [[ ${status%% *} == 200 ]] && grep -q '"id_token"' "$work/token.json" ||
        fail "a warm-up token request returned '${status%% *}': $(head -c 500 "$work/token.json")"
    echo "${status#* }"
}

# run_wrk_until_done LABEL OUTPUT SECONDS SCRIPT ARGS...: runs wrk with SCRIPT and ARGS for at most SECONDS and
# ends it with SIGINT as soon as each wrk thread has created its file <work>/done.N. The scripts' last argument
# is that <work>/done prefix. Fails when a thread is not done in time or wrk fails.
run_wrk_until_done() {
    local label=$1 output=$2 seconds=$3 script=$4
    shift 4
    rm -f "$work"/done.*
    wrk -t"$wrk_threads" -c"$connections" -d"$((seconds + 5))s" --timeout 10s -s "$script" "$base" -- "$@" \
        >"$output" 2>&1 &
    wrk_pid=$!
    local finished=0
    for _ in $(seq 1 $((seconds * 100))); do
        finished=$(find "$work" -maxdepth 1 -name 'done.*' | wc -l)
        ((finished < wrk_threads)) || break
        sleep 0.01
    done
    kill -INT "$wrk_pid" 2>/dev/null || true
    wait "$wrk_pid" || fail "wrk failed while $label: $(tail -n 5 "$output")"
    wrk_pid=""
    ((finished >= wrk_threads)) ||
        fail "wrk was not done $label within $seconds s; $finished of $wrk_threads threads finished: $(tail -n 5 "$output")"
}

# cpu_ticks PID: prints the user and system CPU time the process has used, in clock ticks.
cpu_ticks() {
    awk '{ print $14 + $15 }' "/proc/$1/stat"
}

median() {
    sort -g | awk '{ values[NR] = $1 } END { if (NR % 2) print values[(NR + 1) / 2];
        else print (values[NR / 2] + values[NR / 2 + 1]) / 2 }'
}

table_rows=()
for threads in $service_threads; do
    start_service "$threads"
    cookie=$(sign_in)
    [[ -n $cookie ]] || fail "the browser sign-in set no rollbook_sso cookie; see $(cat "$work/cookies.txt")"

    # The first token request of a client runs the PBKDF2 check of its secret, and later ones should be served
    # by the per-process cache of verified secrets. The two timings show whether that holds.
    first_seconds=$(exchange_seconds "$(mint_one)")
    second_seconds=$(exchange_seconds "$(mint_one)")
    echo "threads=$threads: first token request $first_seconds s, second $second_seconds s" >&2

    round_rates=()
    round_per_cpu=()
    round_lines=()
    for round in $(seq 1 "$rounds"); do
        rm -f "$work"/codes.* "$work"/done.*
        round_start=$(date +%s.%N)
        run_wrk_until_done "minting codes" "$work/mint.txt" 30 "$bench_dir/sso_mint_codes.lua" \
            "$work/codes" "$(((codes_per_round + wrk_threads - 1) / wrk_threads))" "$cookie" "$authorize_path" \
            "$work/done"
        cat "$work"/codes.[0-9]* >"$work/codes.all"
        head -n "$codes_per_round" "$work/codes.all" >"$work/codes.txt"
        minted=$(wc -l <"$work/codes.txt")
        mint_seconds=$(awk -v a="$round_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
        ((minted == codes_per_round)) ||
            fail "round $round minted $minted of $codes_per_round codes in 30 s: $(grep -v '^thread=' "$work/mint.txt" | tail -n 5)"

        service_ticks_before=$(cpu_ticks "$service_pid")
        run_wrk_until_done "exchanging codes" "$work/exchange.txt" 55 "$bench_dir/sso_exchange_codes.lua" \
            "$work/codes.txt" "$wrk_threads" "$basic_credentials" "$redirect_encoded" "$verifier" "$work/done"
        service_cpu=$(awk -v a="$service_ticks_before" -v b="$(cpu_ticks "$service_pid")" -v hz="$(getconf CLK_TCK)" \
            'BEGIN { printf "%.2f", (b - a) / hz }')
        round_seconds=$(awk -v a="$round_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
        summary=$(grep '^issued=' "$work/exchange.txt") ||
            fail "the exchange printed no summary: $(tail -n 5 "$work/exchange.txt")"
        issued=$(sed 's/.*issued=\([0-9]*\).*/\1/' <<<"$summary")
        failed=$(sed 's/.*failed=\([0-9]*\).*/\1/' <<<"$summary")
        seconds=$(sed 's/.*seconds=\([0-9.]*\).*/\1/' <<<"$summary")
        p99_ms=$(sed 's/.*p99_ms=\([0-9.]*\).*/\1/' <<<"$summary")
        ((failed == 0 && issued == codes_per_round)) ||
            fail "round $round issued $issued id_tokens for $codes_per_round codes, $failed failed; wrk printed: $(cat "$work/exchange.txt")"
        # Codes expire 60 s after the authorize request, so a round that ran close to that cannot be trusted.
        awk -v s="$round_seconds" 'BEGIN { exit !(s < 50) }' ||
            fail "round $round took $round_seconds s from the first code to the last exchange; lower CODES to stay under 50 s"
        rate=$(awk -v n="$issued" -v s="$seconds" 'BEGIN { printf "%.0f", n / s }')
        per_cpu=$(awk -v n="$issued" -v c="$service_cpu" 'BEGIN { printf "%.0f", n / c }')
        echo "threads=$threads round $round: $minted codes in $mint_seconds s, $issued id_tokens in $seconds s = $rate/s, p99 $p99_ms ms; service CPU $service_cpu s = $per_cpu id_tokens per CPU second" >&2
        round_rates+=("$rate")
        round_per_cpu+=("$per_cpu")
        round_lines+=("$rate")
    done
    rss_kib=$(awk '/^VmHWM/ { print $2 }' "/proc/$service_pid/status")
    stop_service

    median_rate=$(printf '%s\n' "${round_rates[@]}" | median)
    median_per_cpu=$(printf '%s\n' "${round_per_cpu[@]}" | median)
    openssl_rate_value=${openssl_signs[$threads]}
    ratio=$(awk -v a="$median_rate" -v b="$openssl_rate_value" 'BEGIN { printf "%.2f", a / b }')
    # openssl speed keeps each of its processes busy on a core, so its rate per CPU second is its rate per process.
    cpu_ratio=$(awk -v a="$median_per_cpu" -v b="$openssl_rate_value" -v n="$threads" 'BEGIN { printf "%.2f", a / (b / n) }')
    echo "threads=$threads: median $median_rate id_tokens/s against openssl $openssl_rate_value sign/s ($threads process(es)): ${ratio}x; per CPU second ${cpu_ratio}x" >&2
    table_rows+=("| $threads | $threads | $openssl_rate_value | $median_rate | $(IFS=/; echo "${round_lines[*]}") | $ratio | $median_per_cpu | $cpu_ratio | $first_seconds s / $second_seconds s | $((rss_kib / 1024)) MiB |")
done

append_results "$results_file" "Token requests that issue an id_token against openssl speed rsa2048" \
    "\`ROUNDS=$rounds CODES=$codes_per_round CONNECTIONS=$connections WRK_THREADS=$wrk_threads bench/sso_tokens.sh\`, openssl speed -seconds $openssl_seconds rsa2048, $(openssl version | cut -d' ' -f1-2)" \
    "| service threads | openssl processes | openssl sign/s | id_tokens/s (median) | rounds | ratio | id_tokens per service CPU second | ratio per CPU second | first / second token request | service peak RSS |" \
    "|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|" \
    "${table_rows[@]}"
