-- Last in the chain, after citeproc: write the document's HTML to the file named in
-- `report-html-out`, so one pandoc run gives both the document (JSON, on stdout) and
-- its HTML, instead of a second pandoc process for the HTML writer.
function Pandoc(doc)
  local out = doc.meta["report-html-out"]
  if out then
    local path = pandoc.utils.stringify(out)
    local html = pandoc.write(doc, "html5", {wrap_text = "none"})
    local f = assert(io.open(path, "w"))
    f:write(html)
    f:close()
  end
  return doc
end
