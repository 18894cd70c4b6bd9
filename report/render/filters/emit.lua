-- Last in the chain, after citeproc: write the document's HTML to the file named in
-- `report-html-out`, so one pandoc run gives both the document (JSON, on stdout) and
-- its HTML, instead of a second pandoc process for the HTML writer.
--
-- The HTML is written from the document as filters/plaincode.lua leaves it (code whose
-- classes name no syntax, written without skylighting's lookup: the same HTML); the
-- document pandoc returns keeps its classes, without `report-plain-code`.

local PLAIN_CODE = pandoc.path.join({pandoc.path.directory(PANDOC_SCRIPT_FILE),
                                     "plaincode.lua"})

function Pandoc(doc)
  local out = doc.meta["report-html-out"]
  if out then
    local path = pandoc.utils.stringify(out)
    local written = doc
    if doc.meta["report-plain-code"] then
      written = pandoc.utils.run_lua_filter(doc, PLAIN_CODE)
    end
    local html = pandoc.write(written, "html5", {wrap_text = "none"})
    local f = assert(io.open(path, "w"))
    f:write(html)
    f:close()
  end
  doc.meta["report-plain-code"] = nil
  return doc
end
