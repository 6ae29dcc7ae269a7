#!/usr/bin/env bash
# Kill `rollbook sync` with SIGKILL at random moments of a large run, many times. After each kill, check that
# the store is intact and still contains exactly the last good snapshot (or the new one when the kill came
# after the commit), and that the next run succeeds.
#
# Usage: bench/crash_trials.sh [TRIALS]        (default 60)
# Environment: SIZE (users in the district, such as 100k or 1m; default 100k),
#              SEED (package generator, package mutation and kill moments; default 1),
#              ROLLBOOK (binary to run, default <repo>/.build/release/rollbook, built when missing).
# Two packages are made once and reused: bench/data/<size>/ from generate_district.py (bench/data/<size>-seed<S>/
# for a SEED other than 1) and <that folder>-derived/ from mutate_package.py. Delete them to regenerate.
# Prints a line per trial and a summary, appends the summary to bench/results/crash_trials.md and exits 1 when
# any check failed. A failing trial's store is kept under /tmp/rollbook-crash-trial-<N>/.
set -euo pipefail

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/lib.sh
source "$bench_dir/lib.sh"
repo=$(cd "$bench_dir/.." && pwd)
trials=${1:-60}
size=${SIZE:-100k}
seed=${SEED:-1}
results_file="$bench_dir/results/crash_trials.md"
district=crash
# Every trial whose number leaves this remainder modulo 10 kills a first load into a fresh store.
first_load_remainder=5
# Each complete run may take this many times the median duration of complete runs before it counts as hung.
timeout_factor=10


[[ $# -le 1 ]] || fail "expected at most one argument (the trial count), got $#; usage: bench/crash_trials.sh [TRIALS]"
[[ $trials =~ ^[1-9][0-9]*$ ]] || fail "trial count '$trials' is invalid; expected a whole number of at least 1"
[[ $seed =~ ^[0-9]+$ ]] || fail "SEED is '$seed', expected a whole number"
command -v sqlite3 >/dev/null || fail "sqlite3 is missing; install it with 'apt-get install sqlite3'"
command -v python3 >/dev/null || fail "python3 is missing"
command -v timeout >/dev/null || fail "timeout is missing; it comes with GNU coreutils"
command -v sha256sum >/dev/null || fail "sha256sum is missing; it comes with GNU coreutils"

users=$(user_count "$size")
((users > 0)) || fail "SIZE '$size' is invalid; expected at least 1 user"

if [[ -n ${ROLLBOOK:-} ]]; then
    rollbook=$ROLLBOOK
else
    rollbook="$repo/.build/release/rollbook"
    if [[ ! -x $rollbook ]]; then
        echo "building rollbook (swift build -c release --product rollbook)" >&2
        (cd "$repo" && swift build -c release --product rollbook) >&2
    fi
fi
[[ -x $rollbook ]] || fail "rollbook binary '$rollbook' is not executable; set ROLLBOOK to a built binary"

work=$(mktemp -d "${TMPDIR:-/tmp}/rollbook-crash.XXXXXX")
# A trial's sync runs in the background; never leave it running when the script stops early.
sync_pid=""
cleanup() {
    if [[ -n $sync_pid ]]; then
        kill -KILL "$sync_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'fail "line $LINENO: \"$BASH_COMMAND\" failed"' ERR

# Runs a command that writes a package into FOLDER.partial, unless FOLDER/.complete contains the same RECORD.
ensure_package() {
    local folder=$1 record=$2
    shift 2
    local command="$*"
    if [[ -f $folder/.complete && $(<"$folder/.complete") == "$record" ]]; then
        echo "reusing $folder" >&2
        return
    fi
    rm -rf "$folder" "$folder.partial"
    mkdir -p "$(dirname "$folder")"
    echo "writing $folder" >&2
    "$@" >&2 || fail "'$command' failed"
    mv "$folder.partial" "$folder"
    echo "$record" >"$folder/.complete"
}

if [[ $seed == 1 ]]; then
    base="$bench_dir/data/$size" # the folder sync_vs_import.sh writes and reuses
else
    base="$bench_dir/data/$size-seed$seed"
fi
derived="$base-derived"
# The base record is the one sync_vs_import.sh writes, so both scripts reuse the same package.
ensure_package "$base" "python3 bench/generate_district.py --users $users --seed $seed" \
    python3 "$bench_dir/generate_district.py" --users "$users" --seed "$seed" --out "$base.partial"
# The derived record includes the base's, so a regenerated base also regenerates the derived package.
ensure_package "$derived" "python3 bench/mutate_package.py --seed $seed; base: $(<"$base/.complete")" \
    python3 "$bench_dir/mutate_package.py" --base "$base" --seed "$seed" --out "$derived.partial"
declare -A package_folder=([base]=$base [derived]=$derived)

store="$work/store/rollbook.sqlite"
fresh_store="$work/fresh/rollbook.sqlite"
mkdir -p "$work/store" "$work/fresh" "$work/ids" "$work/kept"

# Writes a config.lua that syncs the district from a package (base or derived) into a store file.
write_config() {
    local store_path=$1 package=$2 config=$3
    cat >"$config" <<EOF
store = "$store_path"
districts = { { id = "$district", name = "Crash trial district", connector = "oneroster_csv", settings = { path = "${package_folder[$package]}" } } }
connectors_dir = "$repo/connectors"
EOF
}
for package in base derived; do
    write_config "$store" "$package" "$work/config-store-$package.lua"
    write_config "$fresh_store" "$package" "$work/config-fresh-$package.lua"
done

# Runs SQL on a store with the sqlite3 shell, which exits with status 1 at the first error.
query() {
    local database=$1 sql=$2
    sqlite3 -bail -batch "$database" <<<"$sql"
}

# Lists the store's entity tables: the tables with both a "district" and a "sourcedId" column.
entity_tables() {
    query "$1" "SELECT name FROM sqlite_master AS m WHERE type = 'table'
        AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) WHERE name = 'sourcedId')
        AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) WHERE name = 'district')
        ORDER BY name;"
}

# Prints one line per entity table: name, row count of the district and a SHA-256 of those rows in full.
# Rows are printed in the shell's quote mode, which keeps NULL, text and numbers apart.
table_digests() {
    local database=$1 tables table count rows_hash
    [[ -f $database ]] || return 0
    tables=$(entity_tables "$database") || return 1
    for table in $tables; do
        count=$(query "$database" "SELECT count(*) FROM \"$table\" WHERE district = '$district';") || return 1
        rows_hash=$(query "$database" ".mode quote
            SELECT * FROM \"$table\" WHERE district = '$district' ORDER BY \"sourcedId\";" | sha256sum | cut -d' ' -f1) ||
            return 1
        echo "$table $count $rows_hash"
    done
}

# Prints one line per entity table, change tables left out: name, count of the district's records that are not
# tombstones, and a SHA-256 of those records without the columns a run sets itself (dateLastModified, run).
# Syncing a package gives the same content digests whatever the store held before, while table_digests also
# covers tombstones, the change history and the hub's dates, which depend on the runs before.
content_digests() {
    local database=$1 tables table columns count rows_hash
    [[ -f $database ]] || return 0
    tables=$(entity_tables "$database") || return 1
    for table in $tables; do
        [[ $table == *_changes ]] && continue
        columns=$(query "$database" "SELECT group_concat('\"' || name || '\"', ', ') FROM pragma_table_info('$table')
            WHERE name NOT IN ('dateLastModified', 'run');") || return 1
        local live="district = '$district' AND \"status\" IS NOT 'tobedeleted'"
        count=$(query "$database" "SELECT count(*) FROM \"$table\" WHERE $live;") || return 1
        rows_hash=$(query "$database" ".mode quote
            SELECT $columns FROM \"$table\" WHERE $live ORDER BY \"sourcedId\";" | sha256sum | cut -d' ' -f1) ||
            return 1
        echo "$table $count $rows_hash"
    done
}

# Prints the SHA-256 of table_digests: one value for the district's whole snapshot.
digest_of() {
    sha256sum <<<"$1" | cut -d' ' -f1
}

# Prints the district's row count summed over the entity tables of a table_digests output.
row_total() {
    awk '{ total += $2 } END { print total + 0 }' <<<"$1"
}

# Prints "ID STATUS" of the district's latest run, or "0 none" when the store has no run for it.
latest_run() {
    local database=$1
    if [[ ! -f $database ]] || [[ -z $(query "$database" "SELECT name FROM sqlite_master WHERE name = 'runs';") ]]; then
        echo "0 none"
        return
    fi
    local row
    row=$(query "$database" ".separator ' '
        SELECT id, status FROM runs WHERE district = '$district' ORDER BY id DESC LIMIT 1;") || row="0 unreadable"
    echo "${row:-0 none}"
}

run_status() {
    query "$1" "SELECT status FROM runs WHERE id = $2;" || echo unreadable
}

# Writes the sorted first column (the sourcedId) of a package CSV, once per package and file.
package_ids() {
    local package=$1 table=$2
    local cached="$work/ids/$package-$table.txt"
    if [[ ! -f $cached ]]; then
        python3 -c 'import csv, sys
with open(sys.argv[1], newline="", encoding="utf-8") as handle:
    rows = csv.reader(handle)
    next(rows)
    sys.stdout.writelines(row[0] + "\n" for row in rows)' "${package_folder[$package]}/$table.csv" |
            LC_ALL=C sort >"$cached"
    fi
    echo "$cached"
}

# Prints the manifest's mode ("bulk", "delta" or "absent") for a table, or nothing when the manifest lacks it.
manifest_mode() {
    local package=$1 table=$2
    awk -F, -v key="file.$table" '$1 == key { gsub(/\r/, "", $2); print $2 }' "${package_folder[$package]}/manifest.csv"
}

# Problems found by the checks of the current trial; empty when every check passed.
problems=()
problem() {
    problems+=("$*")
}

# Checks integrity_check and quick_check; a missing store file (killed before SQLite created it) passes.
check_integrity() {
    local database=$1 result
    [[ -f $database ]] || return 0
    for pragma in integrity_check quick_check; do
        if ! result=$(query "$database" "PRAGMA $pragma;" 2>&1); then
            problem "PRAGMA $pragma failed: $result"
        elif [[ $result != ok ]]; then
            problem "PRAGMA $pragma returned '$(head -c 300 <<<"$result")', expected 'ok'"
        fi
    done
}

# Compares the stored sourcedIds of every file the package's manifest names with the package's rows.
check_ids_match_package() {
    local database=$1 package=$2 tables table
    if ! tables=$(entity_tables "$database"); then
        problem "listing the entity tables of '$database' failed"
        return
    fi
    for table in $tables; do
        local mode
        mode=$(manifest_mode "$package" "$table")
        [[ -n $mode ]] || continue
        local status_filter=""
        if [[ -n $(query "$database" "SELECT 1 FROM pragma_table_info('$table') WHERE name = 'status';" || true) ]]; then
            status_filter="AND (\"status\" IS NULL OR \"status\" <> 'tobedeleted')"
        fi
        if ! query "$database" "SELECT \"sourcedId\" FROM \"$table\" WHERE district = '$district' $status_filter;" |
            LC_ALL=C sort >"$work/stored-ids.txt"; then
            problem "reading the sourcedIds of $table failed"
            continue
        fi
        local expected_ids=/dev/null
        if [[ -f ${package_folder[$package]}/$table.csv ]]; then
            expected_ids=$(package_ids "$package" "$table")
        elif [[ $mode != absent ]]; then
            problem "the $package manifest lists $table.csv as '$mode' but the file is missing"
            continue
        fi
        if ! cmp -s "$work/stored-ids.txt" "$expected_ids"; then
            local missing extra
            missing=$(LC_ALL=C comm -13 "$work/stored-ids.txt" "$expected_ids" | wc -l)
            extra=$(LC_ALL=C comm -23 "$work/stored-ids.txt" "$expected_ids" | wc -l)
            problem "$table: $missing sourcedIds of the $package package are not stored and $extra stored ones are not in it"
        fi
    done
}

# Names the tables whose count or hash differs between two table_digests outputs.
describe_difference() {
    FOUND=$1 EXPECTED=$2 awk 'BEGIN {
        n = split(ENVIRON["EXPECTED"], lines, "\n")
        for (i = 1; i <= n; i++) if (split(lines[i], f, " ") == 3) { ec[f[1]] = f[2]; eh[f[1]] = f[3]; names[f[1]] = 1 }
        n = split(ENVIRON["FOUND"], lines, "\n")
        for (i = 1; i <= n; i++) if (split(lines[i], f, " ") == 3) { fc[f[1]] = f[2]; fh[f[1]] = f[3]; names[f[1]] = 1 }
        for (t in names) {
            found = (t in fc) ? fc[t] " rows (hash " substr(fh[t], 1, 12) ")" : "no table"
            expected = (t in ec) ? ec[t] " rows (hash " substr(eh[t], 1, 12) ")" : "no rows"
            if (!(t in ec) && fc[t] == 0) continue
            if (fc[t] != ec[t] || fh[t] != eh[t]) { printf "%s%s has %s, expected %s", sep, t, found, expected; sep = "; " }
        }
    }'
}

# Copies the store files as they are after a kill, before any check opens them.
save_killed_store() {
    local database=$1
    rm -rf "$work/kept"
    mkdir -p "$work/kept"
    cp -p "$database"* "$work/kept/" 2>/dev/null || true
}

# Keeps the failing trial's store under /tmp: as the kill left it, and as it is after the checks.
keep_failing_store() {
    local trial=$1 database=$2
    local keep="/tmp/rollbook-crash-trial-$trial"
    rm -rf "$keep"
    mkdir -p "$keep/after-kill" "$keep/after-checks"
    cp -p "$work/kept/"* "$keep/after-kill/" 2>/dev/null || true
    cp -p "$database"* "$keep/after-checks/" 2>/dev/null || true
    cp -p "$work/kill-stderr.txt" "$work/next-stderr.txt" "$keep/" 2>/dev/null || true
    echo "$keep"
}

# Runs sync to completion within the timeout; sets next_exit.
complete_run() {
    local config=$1 seconds=$2
    next_exit=0
    timeout --kill-after=10 "$seconds" "$rollbook" sync --config "$config" --json \
        >"$work/next-stdout.txt" 2>"$work/next-stderr.txt" </dev/null || next_exit=$?
}

# Random number in [0, 1) with 30 bits from bash's generator, which SEED seeds.
unit_random() {
    awk -v high="$RANDOM" -v low="$RANDOM" 'BEGIN { printf "%.6f", (high * 32768 + low) / 1073741824 }'
}

# Prints the median of the numbers given as arguments.
median() {
    printf '%s\n' "$@" | sort -g | awk '{ values[NR] = $1 } END {
        if (NR % 2) print values[(NR + 1) / 2]; else printf "%.3f\n", (values[NR / 2] + values[NR / 2 + 1]) / 2 }'
}

seconds_now() {
    date +%s.%N
}

seconds_since() {
    awk -v start="$1" -v now="$(seconds_now)" 'BEGIN { printf "%.3f", now - start }'
}

# Runs a complete sync for the measurement at the start; stops the script when it does not commit.
measure_run() {
    local config=$1 database=$2 package=$3 label=$4
    local start
    start=$(seconds_now)
    complete_run "$config" 3600
    measured_seconds=$(seconds_since "$start")
    if [[ $next_exit != 0 && $next_exit != 1 ]]; then
        tail -n 20 "$work/next-stderr.txt" >&2
        fail "$label failed with exit status $next_exit"
    fi
    [[ $(latest_run "$database") == *" committed" ]] || fail "$label did not commit: $(latest_run "$database")"
    problems=()
    check_ids_match_package "$database" "$package"
    ((${#problems[@]} == 0)) || fail "$label stored other records than its package has: ${problems[*]}"
    echo "$label: ${measured_seconds} s, exit status $next_exit" >&2
}

RANDOM=$seed

# Measure a first load (fresh store) and an update; they also give the expected snapshot of each package.
measure_run "$work/config-store-base.lua" "$store" base "first load of the base package"
first_load_seconds=$measured_seconds
declare -A expected_tables expected_digest
expected_tables[base]=$(content_digests "$store")
expected_digest[base]=$(digest_of "${expected_tables[base]}")
measure_run "$work/config-store-derived.lua" "$store" derived "update to the derived package"
update_seconds=$measured_seconds
expected_tables[derived]=$(content_digests "$store")
expected_digest[derived]=$(digest_of "${expected_tables[derived]}")
[[ ${expected_digest[base]} != "${expected_digest[derived]}" ]] ||
    fail "the base and derived packages gave the same snapshot; the derived package should differ"
held=derived
last_good_tables=$(table_digests "$store")
# Durations of complete runs that did the whole change. Kill moments span their median, because on a busy
# machine one measurement can be off by a factor of two.
first_load_durations=("$first_load_seconds")
update_durations=("$update_seconds")

first_load_trials=0
for ((trial = 1; trial <= trials; trial++)); do
    if ((trial % 10 == first_load_remainder)); then first_load_trials=$((first_load_trials + 1)); fi
done
update_trials=$((trials - first_load_trials))

echo "measured: first load ${first_load_seconds} s, update ${update_seconds} s; $trials trials ($first_load_trials first loads)" >&2
echo "trial | kind | target | kill at s | run s | outcome"

kills_before_commit=0 kills_after_commit=0 finished_before_kill=0 failed_trials=0
first_load_index=0 update_index=0
for ((trial = 1; trial <= trials; trial++)); do
    problems=()
    if ((trial % 10 == first_load_remainder)); then
        kind="first load"
        database=$fresh_store
        # First loads alternate between the packages too.
        if ((first_load_index % 2 == 0)); then target=base; else target=derived; fi
        rm -f "$fresh_store"*
        before_tables=""
        run_seconds=$(median "${first_load_durations[@]}")
        # Stratified moments: trial k of n kills in the k-th of n equal slices of the median run.
        stratum=$first_load_index strata=$first_load_trials very_start=$((first_load_index == 0))
        first_load_index=$((first_load_index + 1))
        config="$work/config-fresh-$target.lua"
    else
        kind="update"
        database=$store
        if [[ $held == base ]]; then target=derived; else target=base; fi
        before_tables=$last_good_tables
        run_seconds=$(median "${update_durations[@]}")
        stratum=$((update_index % 10)) strata=$((update_trials < 10 ? update_trials : 10)) very_start=$((update_index == 0))
        update_index=$((update_index + 1))
        config="$work/config-store-$target.lua"
    fi
    read -r run_before _ <<<"$(latest_run "$database")"
    if ((very_start)); then
        # The first trial of each kind kills within 0.1 s, while the process is still starting.
        delay=$(awk -v u="$(unit_random)" 'BEGIN { printf "%.3f", 0.1 * u }')
    else
        delay=$(awk -v d="$run_seconds" -v k="$stratum" -v n="$strata" -v u="$(unit_random)" \
            'BEGIN { printf "%.3f", d * (k + u) / n }')
    fi

    start=$(seconds_now)
    "$rollbook" sync --config "$config" --json >/dev/null 2>"$work/kill-stderr.txt" </dev/null &
    sync_pid=$!
    sleep "$delay"
    kill -KILL "$sync_pid" 2>/dev/null || true
    moment=$(seconds_since "$start")
    kill_exit=0
    # The braces keep bash's "Killed" job notice off standard error.
    { wait "$sync_pid"; } 2>/dev/null || kill_exit=$?
    sync_pid=""
    save_killed_store "$database"

    # 1. The store passes SQLite's own checks.
    check_integrity "$database"

    # 2 and 3. The snapshot is the last good one, or the new package's when the run committed before the kill.
    read -r killed_run killed_status <<<"$(latest_run "$database")"
    if ((killed_run <= run_before)); then killed_run=0 killed_status=none; fi
    if [[ $kill_exit != 137 ]]; then
        outcome="finished before the kill (exit status $kill_exit)"
        finished_before_kill=$((finished_before_kill + 1))
        [[ $killed_status == committed ]] || problem "the run ended by itself with exit status $kill_exit but its status is '$killed_status'"
        expected=${expected_tables[$target]}
    elif [[ $killed_status == committed ]]; then
        outcome="killed after the commit"
        kills_after_commit=$((kills_after_commit + 1))
        expected=${expected_tables[$target]}
    else
        outcome="killed before the commit (run status '$killed_status')"
        kills_before_commit=$((kills_before_commit + 1))
        expected=$before_tables
    fi
    # A kill before the commit must leave every row exactly as it was; after the commit, the new content.
    digests=table_digests
    [[ $killed_status == committed ]] && digests=content_digests
    if ! found=$($digests "$database"); then
        problem "reading the snapshot after the kill failed"
        found=""
    fi
    if [[ -z $expected ]]; then
        # A killed first load: the district has no rows at all.
        total=$(row_total "$found")
        ((total == 0)) || problem "the killed first load left $total rows: $(describe_difference "$found" "")"
    elif [[ $(digest_of "$found") != "$(digest_of "$expected")" ]]; then
        problem "the snapshot after the kill differs from the expected one: $(describe_difference "$found" "$expected")"
    fi

    # 4. The next run, not killed, commits and stores exactly the package's records.
    next_limit=$(awk -v d="$run_seconds" -v f="$timeout_factor" 'BEGIN { printf "%d", d * f + 30 }')
    next_start=$(seconds_now)
    complete_run "$config" "$next_limit"
    next_seconds=$(seconds_since "$next_start")
    read -r next_run next_status <<<"$(latest_run "$database")"
    if [[ $next_exit == 124 || $next_exit == 137 ]]; then
        problem "the next run timed out after $next_limit s"
    elif [[ $next_exit != 0 && $next_exit != 1 ]]; then
        problem "the next run failed with exit status $next_exit: $(tail -n 3 "$work/next-stderr.txt" | tr '\n' ' ')"
    fi
    if ((next_run <= killed_run || next_run <= run_before)) || [[ $next_status != committed ]]; then
        problem "the next run's latest run row is $next_run with status '$next_status', expected a new committed run"
    fi
    if [[ $killed_status == running ]]; then
        status_now=$(run_status "$database" "$killed_run")
        [[ $status_now == interrupted ]] || problem "the killed run $killed_run has status '$status_now' after the next run, expected 'interrupted'"
    fi
    journal_mode=$(query "$database" "PRAGMA journal_mode;" 2>&1) || true
    [[ $journal_mode == wal ]] || problem "the store's journal mode is '$journal_mode' after the next run, expected 'wal'"
    check_ids_match_package "$database" "$target"
    next_content=$(content_digests "$database") || problem "reading the snapshot after the next run failed"
    next_tables=$(table_digests "$database") || problem "reading the snapshot after the next run failed"
    if [[ $(digest_of "$next_content") != "${expected_digest[$target]}" ]]; then
        problem "a complete run of the $target package left another snapshot than the earlier complete run of it: $(describe_difference "$next_content" "${expected_tables[$target]}")"
    fi

    if ((${#problems[@]} > 0)); then
        failed_trials=$((failed_trials + 1))
        kept=$(keep_failing_store "$trial" "$database")
        outcome="$outcome; FAILED (store kept in $kept): $(printf '%s. ' "${problems[@]}")"
    fi
    echo "$trial | $kind | $target | $moment | $run_seconds | $outcome"

    # A next run after a kill before the commit did the whole change, so its duration is a sample of a full run.
    if [[ $kill_exit == 137 && $killed_status != committed && ($next_exit == 0 || $next_exit == 1) ]]; then
        if [[ $kind == update ]]; then
            update_durations+=("$next_seconds")
        else
            first_load_durations+=("$next_seconds")
        fi
    fi
    if [[ $kind == update ]]; then
        held=$target
        last_good_tables=$next_tables
    fi
done
rm -f "$fresh_store"*

summary=(
    "| trials | first loads | kills before commit | kills after commit | finished before kill | failures |"
    "|---:|---:|---:|---:|---:|---:|"
    "| $trials | $first_load_trials | $kills_before_commit | $kills_after_commit | $finished_before_kill | $failed_trials |"
)
printf '%s\n' "" "${summary[@]}"

size_line=$(printf -- '- size: %s users (seed %s); complete runs, median of %s first loads: %s s, of %s updates: %s s' \
    "$users" "$seed" "${#first_load_durations[@]}" "$(median "${first_load_durations[@]}")" \
    "${#update_durations[@]}" "$(median "${update_durations[@]}")")
append_results "$results_file" "rollbook sync under SIGKILL" \
    "rollbook: $rollbook; sqlite3 $(sqlite3 --version | cut -d' ' -f1)"$'\n'"$size_line" "${summary[@]}"

((failed_trials == 0)) || exit 1
