-- One chapter's Markdown read as a document of its own, with the messages its reading
-- logged, spelled as pandoc writes them on stderr: shared by parsebatch.lua (the
-- chapters a build parses) and chapterwise.lua's "save" mode (the one chapter a preview
-- save parses, indexes and renders in one process), so both read exactly alike.
--
-- `text` is already as pandoc's command line hands it to a reader (report.render.parse:
-- reader_input). Returns the blocks and a list of stderr lines.

local SHOWN = { ERROR = true, WARNING = true }  -- pandoc's default verbosity

local function stderr_lines(message)
  local lines = {}
  for line in (message.pretty .. "\n"):gmatch("([^\n]*)\n") do
    lines[#lines + 1] = (#lines == 0 and "[" .. message.verbosity .. "] " or "  ") .. line
  end
  return lines
end

return function(text, format)
  local logged = #PANDOC_STATE.log
  local blocks = pandoc.read(text, format, PANDOC_READER_OPTIONS).blocks
  local warnings = {}
  local log = PANDOC_STATE.log
  for i = logged + 1, #log do
    local message = pandoc.json.decode(pandoc.json.encode(log[i]), false)
    if SHOWN[message.verbosity] then
      for _, line in ipairs(stderr_lines(message)) do
        warnings[#warnings + 1] = line
      end
    end
  end
  return blocks, warnings
end
