#!/usr/bin/env bash
# Measure what app views and CSV exports cost on a generated district:
# 1. `rollbook sync` into a fresh store, without apps and with one app whose mapping shares everything as it is
#    (the identity mapping); the difference is the cost of building the app view;
# 2. `rollbook export APP --bulk` of that view as a zipped OneRoster 1.1 package into a folder, against the
#    sqlite3 shell dumping the same rows of the same store as CSV files.
#
# Usage: bench/app_views.sh [SIZE ...]     (default: 100k 1m; a size is a user count like 250k)
# Environment: REPEAT (runs per measurement, median reported, default 1),
#              ROLLBOOK (binary to run, default <repo>/.build/release/rollbook, built when missing).
# Packages come from bench/data/<size>/ as bench/sync_vs_import.sh generates them (run it first, or this
# script generates them the same way). Results are appended to bench/results/app_views.md.
set -euo pipefail

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/lib.sh
source "$bench_dir/lib.sh"
repo=$(cd "$bench_dir/.." && pwd)
repeat=${REPEAT:-1}
results_file="$bench_dir/results/app_views.md"

if [[ $# -gt 0 ]]; then sizes=("$@"); else sizes=(100k 1m); fi
[[ $repeat =~ ^[1-9][0-9]*$ ]] || fail "REPEAT is '$repeat', expected a whole number of at least 1"
[[ -x /usr/bin/time ]] && /usr/bin/time --version 2>&1 | grep -q "GNU" ||
    fail "GNU time is missing at /usr/bin/time; install it with 'apt-get install time'"
command -v sqlite3 >/dev/null || fail "sqlite3 is missing; install it with 'apt-get install sqlite3'"
for size in "${sizes[@]}"; do user_count "$size" >/dev/null; done

rollbook=${ROLLBOOK:-$repo/.build/release/rollbook}
if [[ -z ${ROLLBOOK:-} && ! -x $rollbook ]]; then
    echo "building rollbook (swift build -c release)" >&2
    (cd "$repo" && swift build -c release --product rollbook) >&2
fi
[[ -x $rollbook ]] || fail "rollbook binary '$rollbook' is not executable; set ROLLBOOK to a built binary"

work=$(mktemp -d "${TMPDIR:-/tmp}/rollbook-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Runs a command under GNU time; sets elapsed_seconds and peak_kib, and stops the script if the command fails.
measure() {
    local label=$1
    shift
    if ! /usr/bin/time -f '%e %M' -o "$work/time.txt" "$@" >"$work/stdout.txt" 2>"$work/stderr.txt"; then
        echo "error: $label failed: $*" >&2
        tail -n 20 "$work/stderr.txt" "$work/stdout.txt" >&2
        exit 1
    fi
    read -r elapsed_seconds peak_kib <"$work/time.txt"
}

median() {
    printf '%s\n' "$@" | sort -g | awk '{ values[NR] = $1 } END {
        if (NR % 2) print values[(NR + 1) / 2]; else printf "%.2f\n", (values[NR / 2] + values[NR / 2 + 1]) / 2 }'
}

# write_config FILE STORE PACKAGE APPS
write_config() {
    cat >"$1" <<LUA
store = "$2"
connectors_dir = "$work/connectors"
districts = { { id = "bench", connector = "oneroster_csv", settings = { path = "$3" } } }
apps = $4
LUA
}

mkdir -p "$work/connectors/apps"
ln -s "$repo/connectors/sis" "$work/connectors/sis"
echo 'return { name = "identity" }' >"$work/connectors/apps/identity.lua"
identity_app='{ { id = "identity", districts = { "bench" }, mapping = "identity" } }'
export_app="{ { id = \"identity\", districts = { \"bench\" }, mapping = \"identity\",
    exports = { { name = \"bulk\", type = \"csv\", version = \"1.1\", mode = \"bulk\",
        destination = { type = \"folder\", path = \"$work/out\" } } } } }"

# The columns of each 1.1 file the identity app's package carries, as rollbook writes them.
dump_sql() {
    local store=$1 folder=$2
    echo ".mode csv"
    echo ".headers on"
    local entity columns
    for entity in orgs academicSessions courses classes users enrollments; do
        columns=$(head -n 1 "$package/$entity.csv" | tr -d '\r')
        columns=\"${columns//,/\",\"}\"
        echo ".output $folder/$entity.csv"
        echo "SELECT $columns FROM \"$entity\" WHERE district = 'bench' AND status IS NOT 'tobedeleted';"
    done
}

lines=("| users | sync without apps | sync with identity app | overhead | export --bulk | sqlite3 CSV dump | ratio | package |"
    "|---:|---:|---:|---:|---:|---:|---:|---:|")
for size in "${sizes[@]}"; do
    package="$bench_dir/data/$size"
    [[ -f $package/.complete ]] || fail "no package at $package; run bench/sync_vs_import.sh $size first"
    plain_times=() app_times=() export_times=() dump_times=()
    for ((run = 1; run <= repeat; run++)); do
        rm -rf "$work/plain" "$work/app" "$work/out" "$work/dump"
        mkdir -p "$work/plain" "$work/app" "$work/dump"
        write_config "$work/plain.lua" "$work/plain/store.sqlite" "$package" "{}"
        measure "sync without apps" "$rollbook" sync --config "$work/plain.lua"
        plain_times+=("$elapsed_seconds")
        rm -rf "$work/plain"

        write_config "$work/app.lua" "$work/app/store.sqlite" "$package" "$identity_app"
        measure "sync with the identity app" "$rollbook" sync --config "$work/app.lua"
        app_times+=("$elapsed_seconds")

        write_config "$work/export.lua" "$work/app/store.sqlite" "$package" "$export_app"
        measure "export" "$rollbook" export identity --bulk --config "$work/export.lua"
        export_times+=("$elapsed_seconds")
        zip_bytes=$(stat -c %s "$work"/out/*.zip)

        dump_sql "$work/app/store.sqlite" "$work/dump" >"$work/dump.sql"
        measure "sqlite3 dump" sqlite3 -init "$work/dump.sql" "$work/app/store.sqlite" .quit
        dump_times+=("$elapsed_seconds")
        echo "$size run $run: plain ${plain_times[-1]} s, app ${app_times[-1]} s, export ${export_times[-1]} s," \
            "dump ${dump_times[-1]} s" >&2
    done
    plain=$(median "${plain_times[@]}")
    app=$(median "${app_times[@]}")
    exported=$(median "${export_times[@]}")
    dumped=$(median "${dump_times[@]}")
    overhead=$(awk -v a="$app" -v p="$plain" 'BEGIN { printf "%+.1f%%", (a / p - 1) * 100 }')
    ratio=$(awk -v e="$exported" -v d="$dumped" 'BEGIN { printf "%.2f", e / d }')
    lines+=("| $(user_count "$size") | $plain s | $app s | $overhead | $exported s | $dumped s | $ratio | $((zip_bytes / 1048576)) MiB |")
done

printf '%s\n' "${lines[@]}"
append_results "$results_file" "App views and CSV export" \
    "REPEAT=$repeat; identity mapping, OneRoster 1.1 bulk package zipped into a folder" "${lines[@]}"
