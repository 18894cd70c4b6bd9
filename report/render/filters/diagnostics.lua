-- Shared by the report's filters: problems are written, one JSON object a line, to the
-- file named in the metadata field `report-diagnostics`, so that Python can map each to
-- `path:line: message`. Loaded with dofile() by the other filters.
local M = {}

function M.report(meta_path, record)
  if not meta_path then
    io.stderr:write("report: " .. (record.message or "") .. "\n")
    return
  end
  local f = io.open(meta_path, "a")
  f:write(pandoc.json.encode(record) .. "\n")
  f:close()
end

return M
