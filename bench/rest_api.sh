#!/usr/bin/env bash
# Measure the OneRoster REST API of `rollbook serve` against nginx serving the same bytes as a static file.
# First every `users?limit=100` page of a 100,000-user app view is fetched once. This is the uncached path,
# which reads the store and encodes JSON. Then wrk requests pages at random offsets with an OAuth 2.0 bearer
# token over 64 connections. Last, nginx on the same machine and in the same run serves one such page as a
# static file to the same wrk command line.
#
# Usage: bench/rest_api.sh [SIZE]        (default 100k: the users of the generated district)
# Environment: DURATION (seconds per wrk run, default 20), CONNECTIONS (default 64), THREADS (wrk threads,
#              default 2), ROLLBOOK (binary, default <repo>/.build/release/rollbook, built when missing),
#              MAPPING (reshape: user records mapped by a function, so every row is a view row; whole: the
#              identity mapping, records read from the base table; default reshape).
# Needs wrk and nginx (`apt-get install wrk nginx`); nginx runs as this user with a config in a temp folder.
# Results are appended to bench/results/rest_api.md.
set -euo pipefail

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/lib.sh
source "$bench_dir/lib.sh"
repo=$(cd "$bench_dir/.." && pwd)
size=${1:-100k}
users=$(user_count "$size")
duration=${DURATION:-20}
connections=${CONNECTIONS:-64}
threads=${THREADS:-2}
mapping=${MAPPING:-reshape}
results_file="$bench_dir/results/rest_api.md"

command -v wrk >/dev/null || fail "wrk is missing; install it with 'apt-get install wrk'"
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
[[ -x $nginx_bin ]] || fail "nginx is missing; install it with 'apt-get install nginx'"
[[ $mapping == reshape || $mapping == whole ]] || fail "MAPPING is '$mapping'; expected reshape or whole"

rollbook=${ROLLBOOK:-$repo/.build/release/rollbook}
if [[ -z ${ROLLBOOK:-} && ! -x $rollbook ]]; then
    echo "building rollbook (swift build -c release)" >&2
    (cd "$repo" && swift build -c release --product rollbook) >&2
fi
[[ -x $rollbook ]] || fail "rollbook binary '$rollbook' is not executable; set ROLLBOOK to a built binary"

package="$bench_dir/data/$size"
if [[ ! -f $package/.complete ]]; then
    echo "generating $size district into $package" >&2
    rm -rf "$package"
    python3 "$bench_dir/generate_district.py" --users "$users" --seed 1 --out "$package" >&2
    touch "$package/.complete"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/rollbook-rest.XXXXXX")
service_pid=""
nginx_started=""
cleanup() {
    [[ -n $service_pid ]] && kill "$service_pid" 2>/dev/null && wait "$service_pid" 2>/dev/null
    [[ -n $nginx_started ]] && "$nginx_bin" -p "$work/nginx" -c "$work/nginx/nginx.conf" -s stop 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

mkdir -p "$work/connectors/apps"
ln -s "$repo/connectors/sis" "$work/connectors/sis"
if [[ $mapping == reshape ]]; then
    # Every user goes through a function, so each is a view row with its own mapped values.
    cat >"$work/connectors/apps/bench.lua" <<'LUA'
return {
    name = "bench",
    user = function(user)
        user.username = user.email or user.username
        return user
    end,
}
LUA
else
    echo 'return { name = "bench" }' >"$work/connectors/apps/bench.lua"
fi
secret="bench-secret-$(head -c 12 /dev/urandom | base64 | tr -d '/+=')"
secret_hash=$(printf '%s\n' "$secret" | "$rollbook" hash-secret)
api_port=$(free_port)
cat >"$work/config.lua" <<LUA
store = "$work/store.sqlite"
connectors_dir = "$work/connectors"
server = { listen = "127.0.0.1:$api_port" }
districts = { { id = "bench", connector = "oneroster_csv", settings = { path = "$package" } } }
apps = { { id = "bench", districts = { "bench" }, mapping = "bench",
    api = { clients = { { id = "bench", secret_hash = "$secret_hash" } } } } }
LUA

echo "syncing the $size district" >&2
"$rollbook" sync --config "$work/config.lua" >"$work/sync.txt" 2>&1 || {
    tail -n 20 "$work/sync.txt" >&2
    fail "rollbook sync failed"
}

"$rollbook" serve --config "$work/config.lua" 2>"$work/serve.log" &
service_pid=$!
base="http://127.0.0.1:$api_port"
for _ in $(seq 1 100); do
    curl -fs "$base/readyz" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -fs "$base/readyz" >/dev/null || fail "rollbook serve did not become ready; see its log: $(tail -n 5 "$work/serve.log")"

token=$(curl -fs -u "bench:$secret" -d grant_type=client_credentials "$base/token" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
total=$(curl -fs -D - -o "$work/page.json" -H "Authorization: Bearer $token" \
    "$base/ims/oneroster/v1p1/users?limit=100&offset=0" | awk 'tolower($1) == "x-total-count:" { print $2 + 0 }')
[[ $total -gt 0 ]] || fail "the users endpoint returned no X-Total-Count"
page_bytes=$(stat -c %s "$work/page.json")
echo "view: $total users; a page is $page_bytes bytes" >&2

# wrk script: each request fetches a random page of 100 users across the whole view.
cat >"$work/pages.lua" <<LUA
local pages = math.floor(($total + 99) / 100)
math.randomseed(7)
wrk.headers["Authorization"] = "Bearer $token"
request = function()
    local offset = math.random(0, pages - 1) * 100
    return wrk.format("GET", "/ims/oneroster/v1p1/users?limit=100&offset=" .. offset)
end
LUA

nginx_port=$(free_port)
mkdir -p "$work/nginx/html" "$work/nginx/logs"
cp "$work/page.json" "$work/nginx/html/users.json"
cat >"$work/nginx/nginx.conf" <<NGINX
user $(id -un) $(id -gn);
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    types { application/json json; }
    server {
        listen 127.0.0.1:$nginx_port;
        root $work/nginx/html;
    }
}
NGINX
"$nginx_bin" -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon on;' 2>"$work/nginx/logs/start.log" ||
    fail "nginx did not start: $(cat "$work/nginx/logs/start.log")"
nginx_started=1

# run_wrk LABEL ARGS...: runs wrk and sets rps and p99_ms from its --latency output.
run_wrk() {
    local label=$1
    shift
    wrk -t"$threads" -c"$connections" -d"${duration}s" --latency "$@" >"$work/wrk.txt" 2>&1 || {
        cat "$work/wrk.txt" >&2
        fail "wrk failed for $label"
    }
    rps=$(awk '/^Requests\/sec:/ { print $2 }' "$work/wrk.txt")
    p99_ms=$(awk '$1 == "99%" { v = $2; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 }
        else if (v ~ /ms$/) { sub(/ms$/, "", v) } else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }; print v }' \
        "$work/wrk.txt")
    local non2xx
    non2xx=$(awk '/Non-2xx/ { print $NF }' "$work/wrk.txt")
    [[ -z $non2xx ]] || fail "$label: $non2xx responses were not 2xx; see $(cat "$work/wrk.txt")"
    echo "$label: $rps requests/s, p99 $p99_ms ms" >&2
}

# The first request for each page builds it from the store; later ones come from the response cache. So
# first every page is fetched once, four at a time, which measures the uncached path.
pages=$(((total + 99) / 100))
seq 0 100 $(((pages - 1) * 100)) >"$work/offsets.txt"
cold_start=$(date +%s.%N)
xargs -P 4 -I{} curl -fs -o /dev/null -H "Authorization: Bearer $token" \
    "$base/ims/oneroster/v1p1/users?limit=100&offset={}" <"$work/offsets.txt" ||
    fail "a page request of the uncached pass failed"
cold_seconds=$(awk -v a="$cold_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
cold_rps=$(awk -v n="$pages" -v s="$cold_seconds" 'BEGIN { printf "%.0f", n / s }')
echo "uncached pass: $pages pages in $cold_seconds s ($cold_rps pages/s with 4 curl processes)" >&2

run_wrk "rollbook" -s "$work/pages.lua" "$base"
rollbook_rps=$rps rollbook_p99=$p99_ms
run_wrk "nginx" "http://127.0.0.1:$nginx_port/users.json"
nginx_rps=$rps nginx_p99=$p99_ms
ratio=$(awk -v a="$rollbook_rps" -v b="$nginx_rps" 'BEGIN { printf "%.2f", a / b }')
rss_kib=$(awk '/^VmHWM/ { print $2 }' "/proc/$service_pid/status")
echo "ratio: $ratio of nginx; rollbook peak RSS $((rss_kib / 1024)) MiB" >&2

append_results "$results_file" "OneRoster REST API against nginx" \
    "\`bench/rest_api.sh $size\`, mapping $mapping, wrk -t$threads -c$connections -d${duration}s, page of 100 users = $page_bytes bytes" \
    "| users in view | uncached pass | rollbook req/s | rollbook p99 | nginx req/s | nginx p99 | ratio | rollbook peak RSS |" \
    "|---:|---:|---:|---:|---:|---:|---:|---:|" \
    "| $total | $pages pages in $cold_seconds s | $rollbook_rps | $rollbook_p99 ms | $nginx_rps | $nginx_p99 ms | $ratio | $((rss_kib / 1024)) MiB |"
