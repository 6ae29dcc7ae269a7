# Shared by the benchmark scripts: appends a measured table to a results file under bench/results.
# Source it; it defines append_results.

# append_results FILE TITLE DETAILS LINE...
# Appends a dated section to FILE (made with TITLE when missing): the machine, the commit and DETAILS, then each
# LINE of the table.
append_results() {
    local file=$1 title=$2 details=$3
    shift 3
    local repo commit cpu memory
    repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
    if [[ -n $(git -C "$repo" status --porcelain --untracked-files=no 2>/dev/null) ]]; then
        commit="$commit (with uncommitted changes)"
    fi
    cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
    memory=$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
    mkdir -p "$(dirname "$file")"
    if [[ ! -f $file ]]; then
        printf '# %s\n\nWritten by bench/%s; times are wall seconds, memory is peak RSS.\n' \
            "$title" "$(basename "$0")" >"$file"
    fi
    {
        printf '\n## %s\n\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
        printf -- '- machine: %s cores, %s, %s\n' "$(nproc)" "$cpu" "$memory"
        printf -- '- commit: %s; %s\n\n' "$commit" "$details"
        printf '%s\n' "$@"
    } >>"$file"
    echo "appended to $file" >&2
}
