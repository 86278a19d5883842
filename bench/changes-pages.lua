-- wrk script: GET /v1/changes?since=<random>&limit=100, a page of 100 feed items read by
-- a poller that is catching up. `since` is drawn anew for every request, so the answer
-- cache nearly always misses and each request reads its page from the database.
-- Needs BENCH_HEAD (the feed's head; since is drawn from 0 to head - 100).
local head = tonumber(os.getenv("BENCH_HEAD"))
-- Each wrk thread is a Lua state of its own: seeded alike, they would send the same
-- queries, and half the requests would hit the answer cache. The thread number parts them.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function init(args)
  math.randomseed(os.time() * 1000 + (tid or 0))
end

request = function()
  local since = math.random(0, math.max(0, head - 100))
  return wrk.format("GET", string.format("/v1/changes?since=%d&limit=100", since))
end
