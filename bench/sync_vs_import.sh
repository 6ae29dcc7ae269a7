#!/usr/bin/env bash
# Compare the wall time and peak memory of `rollbook sync` on a OneRoster CSV package with
# `sqlite3 .import` of the same CSV files into plain tables.
#
# Usage: bench/sync_vs_import.sh [SIZE ...]     (default: 10k 100k 1m; a size is a user count like 250k)
# Environment: REPEAT (runs per measurement, median reported, default 1),
#              ROLLBOOK (binary to run, default <repo>/.build/release/rollbook, built when missing).
# Packages are generated once into bench/data/<size>/ and reused; delete that folder to regenerate.
# Results are printed as a Markdown table and appended to bench/results/sync_vs_import.md.
set -euo pipefail

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/lib.sh
source "$bench_dir/lib.sh"
repo=$(cd "$bench_dir/.." && pwd)
repeat=${REPEAT:-1}
results_file="$bench_dir/results/sync_vs_import.md"
seed=1

if [[ $# -gt 0 ]]; then
    sizes=("$@")
else
    sizes=(10k 100k 1m)
fi


[[ $repeat =~ ^[1-9][0-9]*$ ]] || fail "REPEAT is '$repeat', expected a whole number of at least 1"
[[ -x /usr/bin/time ]] && /usr/bin/time --version 2>&1 | grep -q "GNU" ||
    fail "GNU time is missing at /usr/bin/time; install it with 'apt-get install time'"
command -v sqlite3 >/dev/null || fail "sqlite3 is missing; install it with 'apt-get install sqlite3'"
command -v python3 >/dev/null || fail "python3 is missing"


for size in "${sizes[@]}"; do user_count "$size" >/dev/null; done

if [[ -n ${ROLLBOOK:-} ]]; then
    rollbook=$ROLLBOOK
else
    rollbook="$repo/.build/release/rollbook"
    if [[ ! -x $rollbook ]]; then
        echo "building rollbook (swift build -c release)" >&2
        (cd "$repo" && swift build -c release --product rollbook) >&2
    fi
fi
[[ -x $rollbook ]] || fail "rollbook binary '$rollbook' is not executable; set ROLLBOOK to a built binary"

work=$(mktemp -d "${TMPDIR:-/tmp}/rollbook-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Generates the package for a size into bench/data/<size>/ unless it is already there.
ensure_package() {
    local size=$1 users=$2
    local folder="$bench_dir/data/$size"
    if [[ -f $folder/.complete ]]; then
        echo "reusing $folder" >&2
        return
    fi
    rm -rf "$folder" "$folder.partial"
    mkdir -p "$bench_dir/data"
    echo "generating $folder ($users users)" >&2
    python3 "$bench_dir/generate_district.py" --users "$users" --seed "$seed" --out "$folder.partial" >&2
    mv "$folder.partial" "$folder"
    echo "python3 bench/generate_district.py --users $users --seed $seed" >"$folder/.complete"
}

# Runs a command under GNU time; sets elapsed_seconds and peak_kib, and stops the script if the command fails.
measure() {
    local label=$1 stdin=$2
    shift 2
    if ! /usr/bin/time -f '%e %M' -o "$work/time.txt" "$@" <"$stdin" >"$work/stdout.txt" 2>"$work/stderr.txt"; then
        echo "error: $label failed: $*" >&2
        tail -n 20 "$work/stderr.txt" >&2
        exit 1
    fi
    read -r elapsed_seconds peak_kib <"$work/time.txt"
}

median() {
    printf '%s\n' "$@" | sort -g | awk '{ values[NR] = $1 } END {
        if (NR % 2) print values[(NR + 1) / 2]; else printf "%.2f\n", (values[NR / 2] + values[NR / 2 + 1]) / 2 }'
}

rows_in() {
    echo $(($(wc -l <"$1") - 1))
}

table_header="| size | users | enrollments | import s | sync s | ratio | import MiB | sync MiB |"
table_rule="|---|---:|---:|---:|---:|---:|---:|---:|"
table_rows=()

for size in "${sizes[@]}"; do
    users=$(user_count "$size")
    ensure_package "$size" "$users"
    package="$bench_dir/data/$size"

    import_script="$work/import.sql"
    echo ".mode csv" >"$import_script"
    for file in "$package"/*.csv; do
        table=$(basename "$file" .csv)
        echo ".import \"$file\" $table" >>"$import_script"
    done

    cat >"$work/config.lua" <<EOF
store = "$work/rollbook.sqlite"
districts = { { id = "bench", name = "Bench district", connector = "oneroster_csv", settings = { path = "$package" } } }
connectors_dir = "$repo/connectors"
EOF

    import_times=() import_kib=() sync_times=() sync_kib=()
    for ((run = 1; run <= repeat; run++)); do
        rm -f "$work/import.sqlite"
        measure "sqlite3 .import ($size, run $run)" "$import_script" sqlite3 -bail "$work/import.sqlite"
        import_times+=("$elapsed_seconds") import_kib+=("$peak_kib")
        echo "$size run $run: sqlite3 .import ${elapsed_seconds} s, ${peak_kib} KiB" >&2

        rm -f "$work"/rollbook.sqlite*
        measure "rollbook sync ($size, run $run)" /dev/null "$rollbook" sync --config "$work/config.lua" --json
        sync_times+=("$elapsed_seconds") sync_kib+=("$peak_kib")
        echo "$size run $run: rollbook sync ${elapsed_seconds} s, ${peak_kib} KiB" >&2
    done

    import_s=$(median "${import_times[@]}")
    sync_s=$(median "${sync_times[@]}")
    import_mib=$(awk -v k="$(median "${import_kib[@]}")" 'BEGIN { printf "%.1f", k / 1024 }')
    sync_mib=$(awk -v k="$(median "${sync_kib[@]}")" 'BEGIN { printf "%.1f", k / 1024 }')
    ratio=$(awk -v s="$sync_s" -v i="$import_s" 'BEGIN { if (i > 0) printf "%.2f", s / i; else print "n/a" }')
    table_rows+=("| $size | $(rows_in "$package/users.csv") | $(rows_in "$package/enrollments.csv") | $import_s | $sync_s | $ratio | $import_mib | $sync_mib |")
done

printf '%s\n' "$table_header" "$table_rule" "${table_rows[@]}"

append_results "$results_file" "rollbook sync vs sqlite3 .import" \
    "rollbook: $rollbook; runs per figure: $repeat (median); sqlite3 $(sqlite3 --version | cut -d' ' -f1)" \
    "$table_header" "$table_rule" "${table_rows[@]}"
