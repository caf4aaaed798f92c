-- wrk script for scripts/soak: a mixed read/write workload on one of Rostra's two APIs.
--
--   wrk -t2 -c500 -d60s -s scripts/soak.lua http://127.0.0.1:PORT -- rosti
--   wrk -t2 -c500 -d60s -s scripts/soak.lua http://127.0.0.1:PORT -- rosa
--
-- Every write is undone by a later request (created apps and storages are deleted, uploaded
-- files are found, downloaded and deleted), so the state stays the same size and memory
-- growth means a leak, not data. wrk cannot tell which request an answer belongs to, so an
-- answer is recognised by its body, and the follow-up request is queued on the thread.
--
-- The only non-2xx answers the mix asks for are deliberate 404s for ids that do not exist;
-- any other non-2xx, or a 404 with another body, is counted as unexpected and its body
-- kept (the first few) for the report printed by done().

local ROSTI_TOKEN = "Token rostidemo0000000000000000000000000000001"
local ROSA_BASIC = "Basic ZGVtbzpkZW1vLXBhc3N3b3Jk" -- demo:demo-password
local BOUNDARY = "rostra-soak-boundary"
local ROSTI_NOT_FOUND = '{"detail":"Nenalezeno."}'
local ROSA_NOT_FOUND = '{"status": 404, "message": "Error 404. Resource not found!"}'
local KEPT_BODIES = 5

local threads = {}
local thread_number = 0

function setup(thread)
   thread_number = thread_number + 1
   thread:set("thread_id", thread_number)
   table.insert(threads, thread)
end

-- Per-thread state (each wrk thread has its own Lua interpreter).
api = nil
statuses = {}         -- status code -> count
unexpected = {}       -- the first KEPT_BODIES unexpected answers, "status body"
unexpected_count = 0
follow_ups = {}       -- requests queued by earlier answers, sent before new work
counter = 0
sha_of_token = {}     -- Rosa: upload token (in the file's name and content) -> SHA-1

function init(args)
   api = args[1]
   if api ~= "rosti" and api ~= "rosa" then
      error("soak.lua: pass -- rosti or -- rosa")
   end
   math.randomseed(os.time() + thread_id * 7919)
end

local function rosti(method, path, body)
   local headers = { ["Authorization"] = ROSTI_TOKEN }
   if body then headers["Content-Type"] = "application/json" end
   return wrk.format(method, path, headers, body)
end

local function rosa(method, path, body, content_type)
   local headers = { ["Authorization"] = ROSA_BASIC }
   if content_type then headers["Content-Type"] = content_type end
   return wrk.format(method, path, headers, body)
end

local function upload()
   counter = counter + 1
   -- Unique content, so no upload is refused as a duplicate.
   local token = string.format("soak-%d-%d-%d", thread_id, counter, math.random(1, 1000000000))
   local body = "--" .. BOUNDARY .. "\r\n"
      .. 'Content-Disposition: form-data; name="file_store[file]"; filename="' .. token .. '.txt"\r\n'
      .. "Content-Type: text/plain\r\n\r\n"
      .. token .. "\n" .. string.rep("x", math.random(0, 2048)) .. "\r\n"
      .. "--" .. BOUNDARY .. "--\r\n"
   return rosa("POST", "/api/v1/upload", body, "multipart/form-data; boundary=" .. BOUNDARY)
end

local function next_rosti()
   local draw = math.random(100)
   if draw <= 35 then return rosti("GET", "/api/v1/companies/") end
   if draw <= 55 then return rosti("GET", "/api/v1/1/apps/") end
   if draw <= 65 then return rosti("GET", "/api/v1/1/storages/") end
   if draw <= 80 then
      counter = counter + 1
      return rosti("POST", "/api/v1/1/apps/", string.format('{"name": "soak_%d_%d"}', thread_id, counter))
   end
   if draw <= 95 then
      local engine = (draw % 2 == 0) and "mariadb" or "pgsql"
      return rosti("POST", "/api/v1/1/storages/", '{"engine": "' .. engine .. '", "password": "soak-password"}')
   end
   return rosti("GET", "/api/v1/1/apps/999999999/") -- the expected 404
end

local function next_rosa()
   local draw = math.random(100)
   if draw <= 40 then
      -- A find by a hash that matches nothing: `[]`, a 200.
      return rosa("GET", string.format("/api/v1/file_stores.json?hash=%040x", math.random(1, 2000000000)))
   end
   if draw <= 95 then return upload() end
   return rosa("GET", "/api/v1/file_stores/" .. string.rep("0", 40)) -- the expected 404
end

function request()
   local queued = table.remove(follow_ups, 1)
   if queued then return queued end
   if api == "rosti" then return next_rosti() end
   return next_rosa()
end

local function note_unexpected(status, body)
   unexpected_count = unexpected_count + 1
   if #unexpected < KEPT_BODIES then
      table.insert(unexpected, status .. " " .. string.sub(body or "", 1, 300))
   end
end

local function follow_rosti(status, body)
   if status ~= 200 and status ~= 201 then return end
   local id = string.match(body, '^{"id":(%d+),')
   if not id then return end
   if string.find(body, '"ssh_access"', 1, true) then
      table.insert(follow_ups, rosti("DELETE", "/api/v1/1/apps/" .. id .. "/"))
   elseif string.find(body, '"engine"', 1, true) then
      table.insert(follow_ups, rosti("DELETE", "/api/v1/1/storages/" .. id .. "/"))
   end
end

local function follow_rosa(status, body)
   if status == 201 then
      -- Upload answered {"sha1_hash": "..."}: find it next.
      local sha = string.match(body, '"sha1_hash": "(%x+)"')
      if sha then table.insert(follow_ups, rosa("GET", "/api/v1/file_stores.json?hash=" .. sha)) end
   elseif status == 200 and string.sub(body, 1, 15) == '[{"sha1_hash": ' then
      -- The find names the file: remember which SHA-1 its token has, download it next.
      local sha, token = string.match(body, '"sha1_hash": "(%x+)", "file_name": "([%w%-]+)%.txt"')
      if sha then
         sha_of_token[token] = sha
         table.insert(follow_ups, rosa("GET", "/api/v1/file_stores/" .. sha))
      else
         note_unexpected(status, body)
      end
   elseif status == 200 and string.sub(body, 1, 5) == "soak-" then
      -- The download's content starts with its token: delete the file last.
      local token = string.match(body, "^(soak%-[%d%-]+)\n")
      local sha = token and sha_of_token[token]
      if sha then
         sha_of_token[token] = nil
         table.insert(follow_ups, rosa("DELETE", "/api/v1/file_stores/" .. sha .. ".json"))
      else
         note_unexpected(status, body)
      end
   end
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
   if status == 404 then
      local expected = (api == "rosti") and ROSTI_NOT_FOUND or ROSA_NOT_FOUND
      if body ~= expected then note_unexpected(status, body) end
   elseif status < 200 or status > 299 then
      note_unexpected(status, body)
   end
   if api == "rosti" then follow_rosti(status, body) else follow_rosa(status, body) end
end

function done(summary, latency, requests)
   -- One line per fact, for scripts/soak to parse.
   local totals = {}
   local unexpected_total = 0
   for _, thread in ipairs(threads) do
      for status, count in pairs(thread:get("statuses")) do
         totals[status] = (totals[status] or 0) + count
      end
      unexpected_total = unexpected_total + thread:get("unexpected_count")
      for _, line in ipairs(thread:get("unexpected")) do
         io.write("SOAK unexpected-body ", (string.gsub(line, "\n", "\\n")), "\n")
      end
   end
   for status, count in pairs(totals) do
      io.write(string.format("SOAK status %d %d\n", status, count))
   end
   io.write(string.format("SOAK unexpected %d\n", unexpected_total))
   local errors = summary.errors
   io.write(string.format("SOAK errors connect=%d read=%d write=%d timeout=%d\n",
      errors.connect, errors.read, errors.write, errors.timeout))
   io.write(string.format("SOAK requests %d\n", summary.requests))
   io.write(string.format("SOAK latency p50=%.3f p99=%.3f max=%.3f\n",
      latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
