#!/usr/bin/env bash
# Compare the sync of one generated district read two ways: natively by oneroster_csv, and row by row through Lua
# by generic_csv, whose mapping names every column of the same files. Prints wall time and peak memory of each.
#
# Usage: bench/mapped_csv.sh [SIZE ...]     (default: 100k; a size is a user count like 1m)
# Environment: ROLLBOOK (binary to run; by default <repo>/.build/release/rollbook, built first), TIMEOUT (seconds
#              a sync may take, default 1800).
# Results are printed as a Markdown table and appended to bench/results/mapped_csv.md.
set -euo pipefail

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/lib.sh
source "$bench_dir/lib.sh"
repo=$(cd "$bench_dir/.." && pwd)
results_file="$bench_dir/results/mapped_csv.md"
timeout_seconds=${TIMEOUT:-1800}
command_line="bench/mapped_csv.sh $*"
[[ -n ${ROLLBOOK:-} ]] && command_line="ROLLBOOK=$ROLLBOOK $command_line"

if [[ $# -gt 0 ]]; then
    sizes=("$@")
else
    sizes=(100k)
fi
require_gnu_time
command -v python3 >/dev/null || fail "python3 is missing"
for size in "${sizes[@]}"; do user_count "$size" >/dev/null; done
[[ $timeout_seconds =~ ^[1-9][0-9]*$ ]] || fail "TIMEOUT is '$timeout_seconds', expected a whole number of seconds"

rollbook=$(release_rollbook "$repo")

work=$(mktemp -d "${TMPDIR:-/tmp}/rollbook-mapped-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Writes config.lua files for both connectors; the generic_csv mapping maps each column to the field of its name.
write_configs() {
    local data=$1
    python3 - "$data" "$work" "$repo/connectors" <<'PYTHON'
import csv, os, sys
data, work, connectors = sys.argv[1:4]
# Columns that generic_csv does not map: status and dateLastModified are blank, and the rest are lists or tables
# that the mapping has no transform for.
left_out = {"status", "dateLastModified", "userIds", "password", "agentSourcedIds", "subjects", "subjectCodes",
            "periods"}
files = ["orgs", "academicSessions", "courses", "classes", "users", "enrollments", "demographics"]
lines = [f'store = "{work}/generic.sqlite"', f'connectors_dir = "{connectors}"',
         'districts = { { id = "generic", connector = "generic_csv", settings = {',
         f'  path = "{data}", files = {{']
for entity in files:
    with open(os.path.join(data, entity + ".csv"), newline="") as handle:
        header = next(csv.reader(handle))
    fields = ", ".join(f'{name} = "{name}"' for name in header if name not in left_out)
    lines.append(f'    {entity} = {{ file = "{entity}.csv", fields = {{ {fields} }} }},')
lines.append("} } } }")
with open(os.path.join(work, "generic.lua"), "w") as handle:
    handle.write("\n".join(lines) + "\n")
with open(os.path.join(work, "native.lua"), "w") as handle:
    handle.write(f'store = "{work}/native.sqlite"\nconnectors_dir = "{connectors}"\n'
                 f'districts = {{ {{ id = "native", connector = "oneroster_csv", settings = {{ path = "{data}" }} }} }}\n')
PYTHON
}

# Runs one sync under GNU time and prints "seconds peak-MiB" or fails with the run's output.
measure() {
    local config=$1 log=$2
    if ! timeout "$timeout_seconds" /usr/bin/time -f '%e %M' -o "$log.time" \
        "$rollbook" sync --config "$config" >"$log" 2>&1; then
        cat "$log" >&2
        fail "the sync with $config failed or timed out"
    fi
    awk '{ printf "%.2f %.1f\n", $1, $2 / 1024 }' "$log.time"
}

table=("| users | enrollments | oneroster_csv s | oneroster_csv MiB | generic_csv s | generic_csv MiB | ratio |"
    "|---:|---:|---:|---:|---:|---:|---:|")
for size in "${sizes[@]}"; do
    users=$(user_count "$size")
    rm -rf "$work/data" "$work"/*.sqlite*
    python3 "$bench_dir/generate_district.py" --out "$work/data" --users "$users" >/dev/null
    write_configs "$work/data"
    enrollments=$(($(wc -l <"$work/data/enrollments.csv") - 1))
    read -r native_s native_mib < <(measure "$work/native.lua" "$work/native.log")
    read -r generic_s generic_mib < <(measure "$work/generic.lua" "$work/generic.log")
    grep -q "committed" "$work/generic.log" || fail "the generic_csv sync did not commit: $(cat "$work/generic.log")"
    ratio=$(awk -v a="$generic_s" -v b="$native_s" 'BEGIN { printf "%.1f", a / b }')
    table+=("| $users | $enrollments | $native_s | $native_mib | $generic_s | $generic_mib | ${ratio}x |")
done
printf '%s\n' "${table[@]}"
append_results "$results_file" "oneroster_csv against generic_csv on the same files" \
    "command: \`$command_line\`; rollbook: $rollbook" "${table[@]}"
