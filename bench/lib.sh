# Shared by the benchmark scripts: error exits, district sizes and the results files under bench/results.
# Source it; it defines fail, user_count, require_gnu_time, release_rollbook and append_results.

# fail MESSAGE...
# Prints the message as an error on standard error and exits with status 1.
fail() {
    echo "error: $*" >&2
    exit 1
}

# user_count SIZE
# Prints the user count of a size such as 10k, 1m or 2500, or fails naming the size.
user_count() {
    local size=$1
    [[ $size =~ ^([0-9]+)([kKmM]?)$ ]] || fail "size '$size' is invalid; expected a number with an optional k or m, such as 100k"
    local number=${BASH_REMATCH[1]} unit=${BASH_REMATCH[2],,}
    case $unit in
    k) echo $((number * 1000)) ;;
    m) echo $((number * 1000000)) ;;
    *) echo "$number" ;;
    esac
}

# require_gnu_time
# Fails unless GNU time, which reports peak memory, is at /usr/bin/time.
require_gnu_time() {
    [[ -x /usr/bin/time ]] && /usr/bin/time --version 2>&1 | grep -q "GNU" ||
        fail "GNU time is missing at /usr/bin/time; install it with 'apt-get install time'"
}

# release_rollbook REPO
# Prints the binary to measure: $ROLLBOOK when it is set, else REPO's release build, which is brought up to date
# first so that the figures belong to the checked-out code. Fails when the binary is not executable.
release_rollbook() {
    local repo=$1 binary
    if [[ -n ${ROLLBOOK:-} ]]; then
        binary=$ROLLBOOK
    else
        binary="$repo/.build/release/rollbook"
        echo "building rollbook (swift build -c release)" >&2
        (cd "$repo" && swift build -c release --product rollbook) >&2
    fi
    [[ -x $binary ]] || fail "rollbook binary '$binary' is not executable; set ROLLBOOK to a built binary"
    echo "$binary"
}

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
