-- wrk script: every request is a distinct Pub/Sub push envelope (distinct messageId and distinct payload content).
-- The payload is a chat message or (4 in 18, spread evenly; the second argument changes it) an order event whose
-- orderId is a 12-digit number unique per request.
-- Base64 of the fixed parts is computed once; they are 3-byte aligned, so only the 12 counter digits are encoded per
-- request (cheap: wrk shares the cores with the server).
-- Usage: wrk ... -s push.lua -- <base counter> [order events per 18 requests, 0-18; default 4]
local bit = require("bit")
local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local chars = {}
for i = 1, 64 do chars[i - 1] = alphabet:sub(i, i) end

local function b64(s)
  local out, n = {}, #s
  for i = 1, n, 3 do
    local a, b, c = s:byte(i, i + 2)
    local v = bit.bor(bit.lshift(a, 16), bit.lshift(b or 0, 8), c or 0)
    out[#out + 1] = chars[bit.rshift(v, 18)] .. chars[bit.band(bit.rshift(v, 12), 63)]
      .. (b and chars[bit.band(bit.rshift(v, 6), 63)] or "=") .. (c and chars[bit.band(v, 63)] or "=")
  end
  return table.concat(out)
end

local function aligned(prefix)
  while #prefix % 3 ~= 0 do prefix = prefix .. " " end
  return b64(prefix)
end

local chat = aligned('{"senderAppType": "Courier Android", "courierId": 17935441, "fromId": 17935441, "toId": 31685802, '
  .. '"chatStartedByMessage": true, "orderStage": "IN_PROGRESS", "customerId": 31685802, '
  .. '"messageSentTime": "2024-02-01T10:00:56Z", "orderId": ')
local order = aligned('{"cityCode": "IST", "orderId": ')
local close = b64("}")
local headers = { ["Content-Type"] = "application/json" }
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  base = tonumber(args[1] or "0")
  orders = tonumber(args[2] or "4")
  counter = 0 -- a global of the thread's state, so that done() can read it: the requests this thread made (one more
  -- in the first thread: wrk builds one request there to check the script, and never sends it)
end

function request()
  counter = counter + 1
  local id = base + tid * 1000000000 + counter
  local digits = string.format("%012d", 100000000000 + id) -- a JSON number has no leading zero
  local isOrder = math.floor((id + 1) * orders / 18) > math.floor(id * orders / 18) -- `orders` of every 18 ids
  local data = (isOrder and order or chat) .. b64(digits) .. close
  local body = '{"message":{"data":"' .. data .. '","attributes":{},"messageId":"' .. digits .. '","message_id":"' .. digits
    .. '","publishTime":"2024-02-01T10:00:57.123Z","publish_time":"2024-02-01T10:00:57.123Z"},'
    .. '"subscription":"projects/demo/subscriptions/chat-push"}'
  return wrk.format("POST", "/pubsub/push", headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  -- made: every request built, answered or not (in flight when wrk stopped, or cut by a socket error), so the most
  -- messages the server can have stored
  local made = 0
  for _, t in ipairs(threads) do made = made + t:get("counter") end
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"non2xx":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,'
      .. '"p50_us":%d,"p99_us":%d,"max_us":%d,"bytes":%d,"made":%d}\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max, summary.bytes, made))
end
