-- wrk script for RELIABILITY's "mixed paths" load row: requests rotate through the real pages
-- of a built site, and one request in ten asks for a page that does not exist.
--
--   (cd SITE && find . -name '*.html' | sed 's|^\.||') > /tmp/paths.txt
--   PATHS=/tmp/paths.txt wrk -t4 -c50 -d30s --latency -s bench/mixed_paths.lua http://127.0.0.1:PORT/
--   MISSING_ONLY=1 PATHS=/tmp/paths.txt wrk ... -s bench/mixed_paths.lua ...   # the 404s alone
--
-- Prints how many answers were 404 (about a tenth, or all with MISSING_ONLY) and how many
-- were neither 200 nor 404 (should be none).

local paths = {}
local counter = 0
local missing_only = os.getenv("MISSING_ONLY") ~= nil

function init(args)
  for line in io.lines(os.getenv("PATHS") or "paths.txt") do
    if line ~= "" then paths[#paths + 1] = line end
  end
end

function request()
  counter = counter + 1
  if missing_only or counter % 10 == 0 then
    return wrk.format("GET", "/no-such-page-" .. counter .. ".html")
  end
  return wrk.format("GET", paths[(counter % #paths) + 1])
end

local threads = {}
function setup(thread)
  threads[#threads + 1] = thread
end

-- Globals, so that done() can read each thread's counts.
found, missing, other = 0, 0, 0
function response(status, headers, body)
  if status == 200 then found = found + 1
  elseif status == 404 then missing = missing + 1
  else other = other + 1 end
end

function done(summary, latency, requests)
  local f, m, o = 0, 0, 0
  for _, t in ipairs(threads) do
    f = f + t:get("found"); m = m + t:get("missing"); o = o + t:get("other")
  end
  io.write(string.format("answers: %d found, %d not found (404), %d other\n", f, m, o))
end
