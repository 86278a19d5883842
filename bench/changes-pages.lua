-- wrk script: GET /v1/changes?since=<random>&limit=100, a page of 100 feed items read by
-- a poller that is catching up. `since` is drawn anew for every request, so the answer
-- cache nearly always misses and each request reads its page from the database.
-- Needs BENCH_HEAD (the feed's head; since is drawn from 0 to head - 100).
local head = tonumber(os.getenv("BENCH_HEAD"))
math.randomseed(os.time())

request = function()
  local since = math.random(0, math.max(0, head - 100))
  return wrk.format("GET", string.format("/v1/changes?since=%d&limit=100", since))
end
