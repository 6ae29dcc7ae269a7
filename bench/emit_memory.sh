#!/usr/bin/env bash
# Measure the wall time and peak memory of `rollbook sync` with a connector that emits every record one by one
# with ctx.emit: 10 schools, 100 courses, 1,000 classes, N students and 10 enrollments per student. Also reports
# the peak size of the temporary files of the run: those that hold the emitted records, and the others (SQLite
# sorts large index builds in temporary files in the same folder).
#
# Usage: bench/emit_memory.sh [SIZE ...]     (default: 1m; a size is a student count like 100k)
# Environment: ROLLBOOK (binary to run; by default <repo>/.build/release/rollbook, which the script brings up to
#              date with `swift build -c release` first), LABEL (what the binary is, for the results table;
#              default "this branch" or the ROLLBOOK path), TIMEOUT (seconds a sync may take, default 1800).
# Results are printed as a Markdown table and appended to bench/results/emit_memory.md.
set -euo pipefail

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/lib.sh
source "$bench_dir/lib.sh"
repo=$(cd "$bench_dir/.." && pwd)
results_file="$bench_dir/results/emit_memory.md"
timeout_seconds=${TIMEOUT:-1800}
command_line="bench/emit_memory.sh $*"
[[ -n ${ROLLBOOK:-} ]] && command_line="ROLLBOOK=$ROLLBOOK $command_line"
[[ -n ${LABEL:-} ]] && command_line="LABEL='$LABEL' $command_line"

if [[ $# -gt 0 ]]; then
    sizes=("$@")
else
    sizes=(1m)
fi

require_gnu_time
command -v python3 >/dev/null || fail "python3 is missing"
for size in "${sizes[@]}"; do user_count "$size" >/dev/null; done
[[ $timeout_seconds =~ ^[1-9][0-9]*$ ]] || fail "TIMEOUT is '$timeout_seconds', expected a whole number of seconds"

label=${LABEL:-${ROLLBOOK:-this branch}}
rollbook=$(release_rollbook "$repo")

work=$(mktemp -d "${TMPDIR:-/tmp}/rollbook-emit-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/connectors/sis" "$work/spool"

# Each student's 10 classes are in the student's own school, so the run has no reference findings.
cat >"$work/connectors/sis/bench_emit.lua" <<'EOF'
return {
    name = "bench_emit",
    version = "1.0.0",
    description = "Emits a synthetic district record by record, for bench/emit_memory.sh",
    settings = {
        path = { type = "string", required = true, description = "unused label" },
        students = { type = "integer", required = true, description = "students to emit, 10 enrollments each" },
    },
    check = function() return true end,
    sync = function(ctx)
        local emit = ctx.emit
        emit("orgs", { sourcedId = "dist", name = "Bench District", type = "district" })
        for s = 0, 9 do
            emit("orgs", { sourcedId = "sch-" .. s, name = "School " .. s, type = "school", parentSourcedId = "dist" })
        end
        emit("academicSessions", { sourcedId = "sy", title = "2026-27", type = "schoolYear",
            startDate = "2026-08-01", endDate = "2027-06-30", schoolYear = "2027" })
        emit("academicSessions", { sourcedId = "term-1", title = "Year", type = "term", parentSourcedId = "sy",
            startDate = "2026-08-01", endDate = "2027-06-30", schoolYear = "2027" })
        for c = 0, 99 do
            emit("courses", { sourcedId = "crs-" .. c, title = "Course " .. c, orgSourcedId = "dist" })
        end
        for c = 0, 999 do
            emit("classes", { sourcedId = "cls-" .. c, title = "Class " .. c, classType = "scheduled",
                courseSourcedId = "crs-" .. (c % 100), schoolSourcedId = "sch-" .. (c % 10),
                termSourcedIds = "term-1" })
        end
        for i = 0, ctx.settings.students - 1 do
            local school = i % 10
            local schoolId = "sch-" .. school
            local id = "usr-" .. i
            emit("users", { sourcedId = id, enabledUser = true, orgSourcedIds = schoolId, role = "student",
                username = "student" .. i, givenName = "Given" .. i, familyName = "Family",
                email = "student" .. i .. "@example.org", grades = "07" })
            local slot = i // 10
            for k = 0, 9 do
                emit("enrollments", { sourcedId = id .. "-" .. k,
                    classSourcedId = "cls-" .. (school + 10 * ((slot + 10 * k) % 100)),
                    schoolSourcedId = schoolId, userSourcedId = id, role = "student" })
            end
        end
    end,
}
EOF

# temporary_bytes PID
# Prints two totals of the files that process PID has open in $work/spool, the folder set as its TMPDIR: the files
# of emitted records, then all others. The emitted records' files have no name there (/proc shows them as
# "#inode (deleted)", or "rollbook-emit-..." where O_TMPFILE is missing), but /proc still gives their size.
temporary_bytes() {
    local spool=0 other=0 descriptor target size
    for descriptor in /proc/"$1"/fd/*; do
        target=$(readlink "$descriptor" 2>/dev/null) || continue
        [[ $target == "$work/spool/"* ]] || continue
        size=$(stat -L -c %s "$descriptor" 2>/dev/null) || continue
        case ${target#"$work/spool/"} in
        '#'* | rollbook-emit-*) spool=$((spool + size)) ;;
        *) other=$((other + size)) ;;
        esac
    done
    echo "$spool $other"
}

# Prints the seconds of a GNU time "h:mm:ss" or "m:ss.ss" wall clock value.
wall_seconds() {
    awk -F: '{ seconds = 0; for (i = 1; i <= NF; i++) seconds = seconds * 60 + $i; printf "%.2f", seconds }' <<<"$1"
}

rows=()
for size in "${sizes[@]}"; do
    students=$(user_count "$size")
    rm -f "$work"/rollbook.sqlite*
    cat >"$work/config.lua" <<EOF
store = "$work/rollbook.sqlite"
connectors_dir = "$work/connectors"
districts = { { id = "bench", name = "Bench district", connector = "bench_emit", settings = { path = "unused", students = $students } } }
EOF
    echo "syncing $students students with $((students * 10)) enrollments ($label)" >&2
    TMPDIR="$work/spool" /usr/bin/time -v -o "$work/time.txt" "$rollbook" sync --config "$work/config.lua" --json \
        >"$work/out.json" 2>"$work/err.txt" &
    time_pid=$!
    # Samples the temporary files every half second until the run ends and keeps the largest totals.
    peak_spool=0
    peak_other=0
    sync_pid=
    deadline=$((SECONDS + timeout_seconds))
    while kill -0 "$time_pid" 2>/dev/null; do
        if ((SECONDS > deadline)); then
            [[ -n ${sync_pid:-} ]] && kill "$sync_pid" 2>/dev/null
            kill "$time_pid" 2>/dev/null
            fail "rollbook sync took more than $timeout_seconds s; set TIMEOUT to allow longer runs"
        fi
        sync_pid=$(ps -o pid= --ppid "$time_pid" | tr -d ' ')
        if [[ -n $sync_pid ]]; then
            read -r spool_now other_now <<<"$(temporary_bytes "$sync_pid")"
            ((spool_now > peak_spool)) && peak_spool=$spool_now
            ((other_now > peak_other)) && peak_other=$other_now
        fi
        sleep 0.5
    done
    exit_status=0
    wait "$time_pid" || exit_status=$?
    if ((exit_status > 1)); then
        echo "error: rollbook sync exited with status $exit_status" >&2
        tail -n 20 "$work/err.txt" >&2
        head -c 2000 "$work/out.json" >&2
        exit 1
    fi
    wall=$(wall_seconds "$(sed -n 's/^.*Elapsed (wall clock) time.*): //p' "$work/time.txt")")
    peak_kib=$(sed -n 's/^.*Maximum resident set size (kbytes): //p' "$work/time.txt")
    peak_mib=$(awk '{ printf "%.1f", $1 / 1024 }' <<<"$peak_kib")
    status=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["runs"][0]["status"])' "$work/out.json")
    spool_mib=$(awk '{ printf "%.1f", $1 / 1048576 }' <<<"$peak_spool")
    other_mib=$(awk '{ printf "%.1f", $1 / 1048576 }' <<<"$peak_other")
    echo "$size: $status, wall ${wall} s, max RSS ${peak_mib} MiB, emitted records' files ${spool_mib} MiB," \
        "other temporary files ${other_mib} MiB" >&2
    rows+=("| $label | $students | $((students * 10)) | $wall | $peak_mib | $spool_mib | $other_mib | $status |")
done

table=(
    "| binary | students | enrollments | wall s | max RSS MiB | emitted records' files MiB | other temporary files MiB | run |"
    "|---|---:|---:|---:|---:|---:|---:|---|"
    "${rows[@]}"
)
printf '%s\n' "${table[@]}"
append_results "$results_file" "rollbook sync of records emitted one by one" \
    "command: \`$command_line\`; rollbook: $rollbook; /usr/bin/time -v; 10 schools, 100 courses, 1,000 classes" \
    "${table[@]}"
