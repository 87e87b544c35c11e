-- bench/lookup.lua: wrk script for POST /_matrix/identity/v2/lookup.
-- The JSON body (algorithm, pepper, 100 hashes) is prepared by bench.py and
-- named by MXGATE_BENCH_BODY; every request sends the same body.
local path = assert(os.getenv("MXGATE_BENCH_BODY"), "MXGATE_BENCH_BODY not set")
local f = assert(io.open(path, "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
