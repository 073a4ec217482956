-- wrk script for scripts/bench-ingest: POSTs an OpenADR 3 SIMPLE event to /openadr3/3.0.1/events on keep-alive
-- connections. Env: INGEST_TOKEN (bearer), INGEST_PROGRAM (programID), INGEST_START (ISO 8601, in the future).
-- Each request carries its own eventName; non-201 answers are counted and printed at the end.
local token = os.getenv("INGEST_TOKEN")
local program = os.getenv("INGEST_PROGRAM")
local start = os.getenv("INGEST_START")
local threads = {}
counter = 0
failures = 0

function setup(thread)
    thread:set("id", #threads + 1)
    table.insert(threads, thread)
end

function init(args)
    wrk.method = "POST"
    wrk.headers["Authorization"] = "Bearer " .. token
    wrk.headers["Content-Type"] = "application/json"
end

function request()
    counter = counter + 1
    local body = string.format(
        '{"programID":"%s","eventName":"ingest-%d-%d","priority":5,' ..
        '"targets":[{"type":"GROUP","values":["ingest-bench"]}],' ..
        '"intervalPeriod":{"start":"%s","duration":"PT15M"},' ..
        '"intervals":[{"id":0,"payloads":[{"type":"SIMPLE","values":[1]}]},' ..
        '{"id":1,"payloads":[{"type":"SIMPLE","values":[2]}]}]}',
        program, id, counter, start)
    return wrk.format(nil, "/openadr3/3.0.1/events", nil, body)
end

function response(status, headers, body)
    if status ~= 201 then
        failures = failures + 1
    end
end

function done(summary, latency, requests)
    local total = 0
    for _, thread in ipairs(threads) do total = total + (thread:get("failures") or 0) end
    io.write(string.format("non-201 responses: %d\n", total))
end
