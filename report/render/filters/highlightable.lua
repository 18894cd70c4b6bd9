-- Which code classes pandoc's syntax highlighting acts on (report.render.highlighting).
--
-- `report-classes` lists class names; out, `report-plain` lists those for which a code
-- block and an inline code with that one class are written the same by the HTML writer
-- with highlighting on (as filters/emit.lua writes) and off. Asking the writer itself
-- is exactly the lookup it does (skylighting's by name, short name, then file
-- extension, with pandoc's special cases and the number-lines classes), so no list of
-- languages has to be kept in step with pandoc. This process loads every syntax once.

local ON = {wrap_text = "none"}
local OFF = {wrap_text = "none", highlight_method = "none"}

local function sample(class)
  local attr = pandoc.Attr("", {class})
  return pandoc.Pandoc({pandoc.CodeBlock("x", attr), pandoc.Plain({pandoc.Code("x", attr)})})
end

function Meta(meta)
  local plain = {}
  for _, value in ipairs(meta["report-classes"] or {}) do
    local class = pandoc.utils.stringify(value)
    local doc = sample(class)
    if pandoc.write(doc, "html5", ON) == pandoc.write(doc, "html5", OFF) then
      table.insert(plain, pandoc.MetaString(class))
    end
  end
  meta["report-plain"] = pandoc.MetaList(plain)
  return meta
end
