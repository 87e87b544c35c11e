-- refresh.lua: wrk against a token endpoint's refresh_token grant with
-- rotation.  Every connection carries a chain: a request spends a refresh
-- token, the answer's new one goes back into its thread's pool for the next
-- request (wrk asks for a connection's next request only after its answer).
-- MXGATE_BENCH_TOKENS: a file of refresh tokens, one per line, at least as
-- many as connections and threads; MXGATE_BENCH_THREADS: wrk's -t;
-- MXGATE_BENCH_AUTH: Basic credentials (base64).  A
-- refusal, or an answer without a refresh token, is counted ("refresh
-- failures: N" at the end) and shrinks the pool: bench/oauth.py then
-- rejects the run (MXGATE_BENCH_DEBUG set: the first refusal is printed).
local threads = {}

-- wrk runs setup(thread) and then that thread's init before it sets up the
-- next thread, so each thread takes its own share of the file by its
-- index: every MXGATE_BENCH_THREADS-th token.  (wrk also calls request()
-- once to check the script, which spends a token: mint a few spare.)
function setup(thread)
	table.insert(threads, thread)
	thread:set("index", #threads)
end

function init(args)
	local k = tonumber(os.getenv("MXGATE_BENCH_THREADS"))
	local n = 0
	pool = {}
	failed = 0
	for line in io.lines(os.getenv("MXGATE_BENCH_TOKENS")) do
		if line ~= "" then
			n = n + 1
			if (n - 1) % k + 1 == index then
				table.insert(pool, line)
			end
		end
	end
	headers = { ["Content-Type"] = "application/x-www-form-urlencoded",
		    ["Authorization"] = "Basic " .. os.getenv("MXGATE_BENCH_AUTH") }
end

function request()
	local t = table.remove(pool) or "exhausted"
	return wrk.format("POST", nil, headers, "grant_type=refresh_token&refresh_token=" .. t)
end

function response(status, headers, body)
	local t = string.match(body, '"refresh_token"%s*:%s*"([^"]+)"')
	if status == 200 and t then
		table.insert(pool, t)
	else
		failed = failed + 1
		if failed == 1 and os.getenv("MXGATE_BENCH_DEBUG") then
			io.stderr:write("refresh refused: " .. status .. " " .. body .. "\n")
		end
	end
end

function done(summary, latency, requests)
	local n = 0
	for _, t in ipairs(threads) do
		n = n + (t:get("failed") or 0)
	end
	io.write(string.format("refresh failures: %d\n", n))
end
