-- bench/check-credentials.lua: wrk script for POST check_credentials, a
-- random user of the bench slapd (user00001.., password s3cret-<uid>) per
-- request; answers other than 200 with "success":true are counted and
-- printed as "refused N" at the end, so a bench that measures refusals
-- cannot pass for one that measures logins.
local users = tonumber(os.getenv("MXGATE_BENCH_USERS") or "10000")
local server = os.getenv("MXGATE_BENCH_SERVER") or "bench.example"
local threads = {}
local counter = 0

function setup(thread)
	counter = counter + 1
	thread:set("id", counter)
	table.insert(threads, thread)
end

function init(args)
	math.randomseed(os.time() * 1000 + id)
	refused = 0
end

function request()
	local uid = string.format("user%05d", math.random(1, users))
	local body = string.format('{"user":{"id":"@%s:%s","password":"s3cret-%s"}}', uid, server, uid)
	return wrk.format("POST", nil, { ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
	if status ~= 200 or not string.find(body, '"success":true', 1, true) then
		refused = refused + 1
	end
end

function done(summary, latency, requests)
	local n = 0
	for _, t in ipairs(threads) do
		n = n + t:get("refused")
	end
	io.write(string.format("refused %d\n", n))
end
