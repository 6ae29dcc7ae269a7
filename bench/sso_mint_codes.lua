-- wrk script of bench/sso_tokens.sh: requests authorization codes at /oauth/authorize with a signed-in browser's
-- session cookie and writes the code of each redirect to a file, one per line.
--
-- Arguments after `--`: OUTPUT_PREFIX CODES_PER_THREAD SESSION_COOKIE AUTHORIZE_PATH DONE_PREFIX
-- Thread N writes OUTPUT_PREFIX.N and, once it has CODES_PER_THREAD codes, stops and creates the file
-- DONE_PREFIX.N, so that the caller can end wrk early with SIGINT. Responses without a code are counted as
-- failures, and the first one is kept for the error message.

local threads = {}

function setup(thread)
    thread:set("thread_id", #threads)
    table.insert(threads, thread)
end

function init(args)
    output = assert(io.open(args[1] .. "." .. thread_id, "w"))
    target = tonumber(args[2])
    wrk.headers["Cookie"] = "rollbook_sso=" .. args[3]
    authorize_request = wrk.format("GET", args[4])
    done_file = args[5] .. "." .. thread_id
    minted = 0
    failed = 0
end

function request()
    return authorize_request
end

function response(status, headers, body)
    local location = headers["Location"] or headers["location"] or ""
    local code = location:match("[?&]code=([^&]+)")
    if status == 302 and code then
        -- Responses that arrive after the target, before the thread stops, are dropped.
        if minted < target then
            output:write(code, "\n")
            minted = minted + 1
            if minted == target then
                output:close()
                assert(io.open(done_file, "w")):close()
                wrk.thread:stop()
            end
        end
    else
        failed = failed + 1
        if not first_failure then
            first_failure = "status " .. status .. ", Location '" .. location .. "', body '" .. body:sub(1, 200) .. "'"
        end
    end
end

function done(summary, latency, requests)
    for _, thread in ipairs(threads) do
        io.write(string.format("thread=%d minted=%d failed=%d\n", thread:get("thread_id"), thread:get("minted"),
            thread:get("failed")))
        local failure = thread:get("first_failure")
        if failure then
            io.write("first_failure=", failure, "\n")
        end
    end
end
