-- The writers' media bag: the files the resource gate allowed, and nothing else.
--
-- pandoc runs the Word and EPUB writers with --sandbox, so they read no file on their own;
-- this filter (not sandboxed: it is the toolkit's) puts into the media bag the copies
-- the toolkit made of the allowed images (metadata stripped), under the reference the
-- document spells. REPORT_MEDIA names a file of lines "mime<TAB>path<TAB>reference".

function Pandoc(doc)
  local list = os.getenv("REPORT_MEDIA")
  if not list or list == "" then
    return nil
  end
  for line in io.lines(list) do
    local mime, path, reference = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
    if path then
      local file = assert(io.open(path, "rb"))
      local contents = file:read("a")
      file:close()
      pandoc.mediabag.insert(reference, mime ~= "" and mime or nil, contents)
    end
  end
  return nil
end
