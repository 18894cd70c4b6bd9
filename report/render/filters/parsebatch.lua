-- Many chapters parsed in one pandoc process (see report/render/parse.py).
--
-- Starting pandoc costs more than parsing a chapter, so the chapters the parse cache
-- misses are read here in a few processes rather than one each. The input document's
-- meta holds the reader ("format", pandoc.MARKDOWN) and the chapter texts ("texts"),
-- already as pandoc's command line would hand them to the reader (CRs dropped, tabs
-- expanded). Each chapter is read on its own, as a document of its own, and comes back
-- as one Div of its blocks, in order, whose "warnings" attribute is a JSON list of the
-- messages its reading logged, spelled as pandoc writes them on stderr.

local SHOWN = { ERROR = true, WARNING = true }  -- pandoc's default verbosity

local function stderr_lines(message)
  local lines = {}
  for line in (message.pretty .. "\n"):gmatch("([^\n]*)\n") do
    lines[#lines + 1] = (#lines == 0 and "[" .. message.verbosity .. "] " or "  ") .. line
  end
  return lines
end

function Pandoc(doc)
  local format = pandoc.utils.stringify(doc.meta.format)
  local chapters = {}
  for _, text in ipairs(doc.meta.texts) do
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
    chapters[#chapters + 1] = pandoc.Div(blocks, { warnings = pandoc.json.encode(warnings) })
  end
  return pandoc.Pandoc(chapters)
end
