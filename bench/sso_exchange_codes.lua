-- wrk script of bench/sso_tokens.sh: exchanges each authorization code of a file once at /oauth/token, with HTTP
-- Basic client authentication and the PKCE code verifier, and counts the 200 responses that carry an id_token.
--
-- Arguments after `--`: CODES_FILE THREAD_COUNT BASIC_CREDENTIALS REDIRECT_URI_ENCODED CODE_VERIFIER DONE_PREFIX
-- Thread N takes the lines whose number modulo THREAD_COUNT is N. A thread that has sent all its codes requests
-- /healthz on its idle connections until its last token response is in, which is not counted, then stops and
-- creates the file DONE_PREFIX.N.
--
-- wrk 4.1 runs for the whole -d duration even when every thread has stopped, so its duration is not the time
-- the exchanges took. Each thread therefore reads a monotonic clock when it sends its first token request and
-- when its last token response arrives, and the rate is issued tokens over the span from the earliest start to
-- the latest end. The caller can end wrk with SIGINT once every thread's done file exists.

local ffi = require("ffi")
ffi.cdef([[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock_id, bench_timespec *tp);
]])
local CLOCK_MONOTONIC = 1
local timespec = ffi.new("bench_timespec")

local function monotonic_seconds()
    ffi.C.clock_gettime(CLOCK_MONOTONIC, timespec)
    return tonumber(timespec.tv_sec) + tonumber(timespec.tv_nsec) / 1e9
end

local threads = {}
local health_body = '{"status":"alive"}'

function setup(thread)
    thread:set("thread_id", #threads)
    table.insert(threads, thread)
end

function init(args)
    local thread_count = tonumber(args[2])
    codes = {}
    local line_number = 0
    for line in io.lines(args[1]) do
        if line_number % thread_count == thread_id then
            table.insert(codes, line)
        end
        line_number = line_number + 1
    end
    form_tail = "&redirect_uri=" .. args[4] .. "&code_verifier=" .. args[5]
    token_headers = {
        ["Authorization"] = "Basic " .. args[3],
        ["Content-Type"] = "application/x-www-form-urlencoded",
    }
    health_request = wrk.format("GET", "/healthz")
    done_file = args[6] .. "." .. thread_id
    -- wrk 4.1 calls request() once on the first thread's state to check the request before any connection
    -- opens, and sends nothing of it. That call must not take a code.
    awaiting_check = thread_id == 0
    sent = 0
    received = 0
    issued = 0
    failed = 0
end

function request()
    if awaiting_check then
        awaiting_check = false
        return health_request
    end
    if sent < #codes then
        if sent == 0 then
            started_at = monotonic_seconds()
        end
        sent = sent + 1
        local body = "grant_type=authorization_code&code=" .. codes[sent] .. form_tail
        return wrk.format("POST", "/oauth/token", token_headers, body)
    end
    return health_request
end

function response(status, headers, body)
    if body == health_body then
        return
    end
    received = received + 1
    if status == 200 and body:find('"id_token"', 1, true) then
        issued = issued + 1
    else
        failed = failed + 1
        if not first_failure then
            first_failure = "status " .. status .. ", body '" .. body:sub(1, 300) .. "'"
        end
    end
    if received == #codes then
        finished_at = monotonic_seconds()
        assert(io.open(done_file, "w")):close()
        wrk.thread:stop()
    end
end

function done(summary, latency, requests)
    local issued_total, failed_total = 0, 0
    local earliest_start, latest_end = math.huge, 0
    for _, thread in ipairs(threads) do
        issued_total = issued_total + thread:get("issued")
        failed_total = failed_total + thread:get("failed")
        earliest_start = math.min(earliest_start, thread:get("started_at") or math.huge)
        latest_end = math.max(latest_end, thread:get("finished_at") or 0)
        local failure = thread:get("first_failure")
        if failure then
            io.write("first_failure=", failure, "\n")
        end
    end
    -- The latency percentiles include the few /healthz requests at the end of each thread.
    -- A thread that never finished leaves the span at 0, which the caller reports as a failed round.
    local seconds = latest_end > earliest_start and latest_end - earliest_start or 0
    io.write(string.format("issued=%d failed=%d seconds=%.3f p50_ms=%.2f p99_ms=%.2f\n", issued_total,
        failed_total, seconds, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
