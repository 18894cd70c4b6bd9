-- Many chapters parsed in one pandoc process (see report/render/parse.py).
--
-- Starting pandoc costs more than parsing a chapter, so the chapters the parse cache
-- misses are read here in a few processes rather than one each. The input document's
-- meta holds the reader ("format", pandoc.MARKDOWN) and the chapter texts ("texts"),
-- already as pandoc's command line would hand them to the reader (CRs dropped, tabs
-- expanded). Each chapter is read on its own, as a document of its own (readchapter.lua),
-- and comes back as one Div of its blocks, in order, whose "warnings" attribute is a JSON
-- list of the messages its reading logged, spelled as pandoc writes them on stderr.

local read_chapter = dofile(PANDOC_SCRIPT_FILE:gsub("parsebatch%.lua$", "readchapter.lua"))

function Pandoc(doc)
  local format = pandoc.utils.stringify(doc.meta.format)
  local chapters = {}
  for _, text in ipairs(doc.meta.texts) do
    local blocks, warnings = read_chapter(text, format)
    chapters[#chapters + 1] = pandoc.Div(blocks, { warnings = pandoc.json.encode(warnings) })
  end
  return pandoc.Pandoc(chapters)
end
