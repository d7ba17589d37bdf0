-- wrk script for bench/ingest.py: every request is a distinct, pre-signed Standard Webhooks delivery.
-- Each wrk thread reads its own slice of the deliveries file (id, timestamp, signature, body per line).
local threads = {}
local counter = 0

function setup(thread)
  thread:set("slot", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local path, count = args[1], tonumber(args[2])
  requests = {}
  local index = 0
  for line in io.lines(path) do
    if index % count == slot then
      local id, stamp, signature, body = line:match("^([^\t]+)\t([^\t]+)\t([^\t]+)\t(.*)$")
      local headers = {["Content-Type"] = "application/json", ["webhook-id"] = id,
                       ["webhook-timestamp"] = stamp, ["webhook-signature"] = signature}
      table.insert(requests, wrk.format("POST", "/webhooks/openai", headers, body))
    end
    index = index + 1
  end
  position = 0
end

function request()
  position = position % #requests + 1
  return requests[position]
end
