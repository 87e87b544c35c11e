-- introspect.lua: wrk against an introspection endpoint (RFC 7662): the
-- same live access token every time, the caller a client authenticated
-- with client_secret_basic.  MXGATE_BENCH_TOKEN, MXGATE_BENCH_AUTH
-- (base64).  Answers that are not {"active": true} are counted
-- ("inactive answers: N" at the end).
local threads = {}

function setup(thread)
	table.insert(threads, thread)
end

function init(args)
	inactive = 0
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic " .. os.getenv("MXGATE_BENCH_AUTH")
wrk.body = "token=" .. os.getenv("MXGATE_BENCH_TOKEN") .. "&token_type_hint=access_token"

function response(status, headers, body)
	if status ~= 200 or not string.find(body, '"active"%s*:%s*true') then
		inactive = inactive + 1
	end
end

function done(summary, latency, requests)
	local n = 0
	for _, t in ipairs(threads) do
		n = n + (t:get("inactive") or 0)
	end
	io.write(string.format("inactive answers: %d\n", n))
end
