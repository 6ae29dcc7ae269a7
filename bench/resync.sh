#!/usr/bin/env bash
# Time a district's re-syncs against its first sync: an unchanged package, and one with a few percent of its
# records changed, and check that the unchanged re-sync writes no record row.
#
# Usage: bench/resync.sh [SIZE]     (default: 1m; a size is a user count like 100k)
# Environment: ROLLBOOK (binary to run, default <repo>/.build/release/rollbook, built when missing).
# The base package is generated once into bench/data/<size>/ (as sync_vs_import.sh does) and the changed one
# into bench/data/<size>-derived/ by bench/mutate_package.py (as crash_trials.sh does); delete a folder to
# regenerate it.
# Results are printed as a Markdown table and appended to bench/results/resync.md.
set -euo pipefail

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/lib.sh
source "$bench_dir/lib.sh"
repo=$(cd "$bench_dir/.." && pwd)
results_file="$bench_dir/results/resync.md"
size=${1:-1m}
seed=1


[[ -x /usr/bin/time ]] && /usr/bin/time --version 2>&1 | grep -q "GNU" ||
    fail "GNU time is missing at /usr/bin/time; install it with 'apt-get install time'"
command -v sqlite3 >/dev/null || fail "sqlite3 is missing; install it with 'apt-get install sqlite3'"
users=$(user_count "$size")

rollbook=${ROLLBOOK:-$repo/.build/release/rollbook}
if [[ -z ${ROLLBOOK:-} && ! -x $rollbook ]]; then
    echo "building rollbook (swift build -c release)" >&2
    (cd "$repo" && swift build -c release --product rollbook) >&2
fi
[[ -x $rollbook ]] || fail "rollbook binary '$rollbook' is not executable; set ROLLBOOK to a built binary"

base="$bench_dir/data/$size"
changed="$bench_dir/data/$size-derived"
if [[ ! -f $base/.complete ]]; then
    rm -rf "$base" "$base.partial"
    mkdir -p "$bench_dir/data"
    echo "generating $base ($users users)" >&2
    python3 "$bench_dir/generate_district.py" --users "$users" --seed "$seed" --out "$base.partial" >&2
    mv "$base.partial" "$base"
    echo "python3 bench/generate_district.py --users $users --seed $seed" >"$base/.complete"
fi
if [[ ! -f $changed/.complete ]]; then
    rm -rf "$changed"
    echo "deriving $changed" >&2
    python3 "$bench_dir/mutate_package.py" --base "$base" --out "$changed.partial" --seed "$seed" >&2
    mv "$changed.partial" "$changed"
    echo "python3 bench/mutate_package.py --seed $seed; base: $(<"$base/.complete")" >"$changed/.complete"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/rollbook-resync.XXXXXX")
trap 'rm -rf "$work"' EXIT
store="$work/rollbook.sqlite"

# Runs one sync of PACKAGE; sets elapsed_seconds, peak_kib and status (the run's status in its JSON).
sync_package() {
    local label=$1 package=$2
    cat >"$work/config.lua" <<EOF
store = "$store"
connectors_dir = "$repo/connectors"
districts = { { id = "bench", name = "Bench district", connector = "oneroster_csv", settings = { path = "$package" } } }
EOF
    local exit_status=0
    /usr/bin/time -f '%e %M' -o "$work/time.txt" "$rollbook" sync --config "$work/config.lua" --json \
        >"$work/out.json" 2>"$work/err.txt" || exit_status=$?
    if ((exit_status > 1)); then
        echo "error: $label exited with status $exit_status" >&2
        tail -n 20 "$work/err.txt" >&2
        head -c 2000 "$work/out.json" >&2
        exit 1
    fi
    read -r elapsed_seconds peak_kib <"$work/time.txt"
    status=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["runs"][0]["status"])' "$work/out.json")
    echo "$label: $status in ${elapsed_seconds} s, ${peak_kib} KiB" >&2
}

# Prints, for every entity table, its row count, largest rowid, a sum of its hashes and newest changing run, and the rows of
# its change table: any record row written since shows in one of them.
table_state() {
    sqlite3 "$store" "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '%_changes' AND sql LIKE '%\"sourcedId\"%' ORDER BY name" |
        while read -r table; do
            sqlite3 "$store" "SELECT '$table', count(*), max(rowid), sum(hash % 1000000007), max(run) FROM \"$table\"; SELECT '${table}_changes', count(*) FROM \"${table}_changes\""
        done
}

sync_package "first sync" "$base"
first_s=$elapsed_seconds first_kib=$peak_kib
before=$(table_state)

sync_package "unchanged re-sync" "$base"
unchanged_s=$elapsed_seconds unchanged_kib=$peak_kib
after=$(table_state)
if [[ $before == "$after" ]]; then
    rows_written="none"
else
    rows_written="some"
    diff <(echo "$before") <(echo "$after") >&2 || true
fi

sync_package "changed re-sync" "$changed"
changed_s=$elapsed_seconds changed_kib=$peak_kib
changes=$(python3 -c '
import json, sys
run = json.load(open(sys.argv[1]))["runs"][0]
total = {}
for counts in run["changes"].values():
    for kind, number in counts.items():
        total[kind] = total.get(kind, 0) + number
print(", ".join(f"{number} {kind}" for kind, number in sorted(total.items()) if number))' "$work/out.json")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
table_header="| size | first sync s | unchanged re-sync s | ratio | record rows written | changed re-sync s | ratio | changes | peak MiB (first, unchanged, changed) |"
table_rule="|---|---:|---:|---:|---|---:|---:|---|---|"
table_row="| $size | $first_s | $unchanged_s | $(ratio "$unchanged_s" "$first_s") | $rows_written | $changed_s | $(ratio "$changed_s" "$first_s") | $changes | $(mib "$first_kib"), $(mib "$unchanged_kib"), $(mib "$changed_kib") |"
printf '%s\n' "$table_header" "$table_rule" "$table_row"

append_results "$results_file" "rollbook re-sync vs first sync" "rollbook: $rollbook" \
    "$table_header" "$table_rule" "$table_row"
