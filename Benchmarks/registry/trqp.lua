-- wrk script: POST /trqp/authorization with a random issuer / credential type mix over the seeded registry.
-- ISSUERS and TYPES come from the environment (run-registry.sh sets them from the seed); the root authority is the
-- authority of every query, so the whole chain (issuer -> body -> root) is evaluated. About 1 in 4 queries is
-- authorized (each issuer holds 5 of the 20 types), the rest are denials with a reason.
local issuers = tonumber(os.getenv("ISSUERS") or "10000")
local types = tonumber(os.getenv("TYPES") or "20")
local root = os.getenv("ROOT") or "did:web:root.bench.example"
local eqf = "http://data.europa.eu/snb/eqf/5"

function init(args)
    math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

request = function()
    local issuer = math.random(0, issuers - 1)
    local credential = math.random(0, types - 1)
    local body = string.format(
        '{"entity_id":"did:web:issuer%d.bench.example","authority_id":"%s","action":"issue","resource":"BenchCredential%d","context":{"eqfLevel":"%s"}}',
        issuer, root, credential, eqf)
    return wrk.format("POST", "/trqp/authorization", {["Content-Type"] = "application/json"}, body)
end

done = function(summary, latency, requests)
    io.write(string.format("LATENCY_US p50=%d p90=%d p99=%d p999=%d max=%d mean=%.1f\n",
        latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.max, latency.mean))
    io.write(string.format("ERRORS connect=%d read=%d write=%d status=%d timeout=%d\n",
        summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout))
end
