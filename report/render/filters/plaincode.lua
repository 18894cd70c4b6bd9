-- Code whose classes name no syntax pandoc highlights, made ready for a writer that
-- would otherwise look them up (filters/emit.lua's HTML; the Word and EPUB writers have
-- the same done in Python to each chapter's blocks as they are kept, by
-- report.editions.pandoc_writer.unlooked_code: keep the two in step).
--
-- `report-plain-code` lists code classes that name no syntax (report.render.highlighting
-- asked pandoc once). Looking such a class up makes skylighting load every syntax it has
-- (about 85 MiB and 0.8 s of CPU in each process that writes one: "console", "text"),
-- only to write the code as if unhighlighted. So a code block or inline code whose
-- classes are all of them goes to the writer with no classes and the same names in a
-- `class` attribute: pandoc then looks nothing up and writes the very same output (in
-- HTML: id, then class, then the other attributes, and a code block still counts in the
-- writer's cbN numbering; Word writes no class). The list is taken out of the metadata,
-- which the Word writer would otherwise keep as a custom property.

local function plain_set(meta)
  local list = meta["report-plain-code"]
  if not list then
    return nil
  end
  local set = {}
  for _, value in ipairs(list) do
    set[pandoc.utils.stringify(value)] = true
  end
  return set
end

-- The element's attributes with its classes moved into a `class` attribute, or nil when
-- that would not write the same: a class that may highlight, no class at all, a `class`
-- attribute already there, or an inline code that the HTML writer turns into <samp> or
-- <var> by its class.
local function unlooked(el, plain, inline)
  local names, seen = {}, {}
  for _, class in ipairs(el.classes) do
    if not plain[class] or (inline and (class == "sample" or class == "variable")) then
      return nil
    end
    if class ~= "" and not seen[class] then  -- as the HTML writer: no empties, no repeats
      seen[class] = true
      table.insert(names, class)
    end
  end
  if #names == 0 then
    return nil
  end
  local attributes = {{"class", table.concat(names, " ")}}
  for _, pair in ipairs(el.attr.attributes) do
    if pair[1] == "class" then
      return nil
    end
    table.insert(attributes, {pair[1], pair[2]})
  end
  return pandoc.Attr(el.identifier, {}, attributes)
end

function Pandoc(doc)
  local plain = plain_set(doc.meta)
  if not plain then
    return nil
  end
  doc.meta["report-plain-code"] = nil
  -- the same rewrite for a block and for inline code: only the element made differs
  local function rewrite(make, inline)
    return function(el)
      local attr = unlooked(el, plain, inline)
      if attr then
        return make(el.text, attr)
      end
    end
  end
  return doc:walk({CodeBlock = rewrite(pandoc.CodeBlock, false),
                   Code = rewrite(pandoc.Code, true)})
end
