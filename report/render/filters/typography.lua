-- Typography every edition shares, after the numbering and cross-references have written
-- their text:
--
-- 1. Smart quotes in text that did not come through the Markdown reader: attributes such
--    as a quote's `by`, a recommendation's `to` or a case study's `title` become text with
--    pandoc.Inlines(string), which keeps straight quotes; the body has curly ones.
-- 2. No line break after "Chapter", "Section", "Recommendation", "Figure", "Table",
--    "Case study", "Appendix", "page", "p." or "pp." and their number, nor between a
--    number and its unit ("40.3 million", "12 per cent"): a non-breaking space.

local NBSP = "\u{00A0}"

local LABELS = {Chapter = true, Chapters = true, Section = true, Sections = true,
  Recommendation = true, Recommendations = true, Figure = true, Table = true,
  Appendix = true, page = true, pages = true, ["p."] = true, ["pp."] = true, study = true}
local UNITS = {per = true, ["%"] = true, km = true, kg = true, mm = true, cm = true, m = true,
  g = true, million = true, billion = true, thousand = true}

local function smart(text)
  if not text:find("['\"]") then return text end
  -- an apostrophe inside or at the end of a word; an opening quote after a space/start
  text = text:gsub("(%w)'", "%1\u{2019}")
  text = text:gsub("^'", "\u{2018}"):gsub("([%s%(%[])'", "%1\u{2018}")
  text = text:gsub("'", "\u{2019}")
  text = text:gsub('^"', "\u{201C}"):gsub('([%s%(%[])"', "%1\u{201C}")
  text = text:gsub('"', "\u{201D}")
  return text
end

local function bind_inside(text)
  -- labels written into one Str by the numbering filter: "Recommendation 3", "Case study 1"
  -- (each pattern holds a space, which the Markdown reader never leaves in a Str)
  if not text:find(" ", 1, true) then return text end
  for word in pairs(LABELS) do
    text = text:gsub("(" .. word:gsub("%.", "%%.") .. ") (%w)", "%1" .. NBSP .. "%2")
  end
  return (text:gsub("Case study", "Case" .. NBSP .. "study"))
end

local function starts_number(text)
  return text:match("^[%dIVXivx]") ~= nil or text:match("^%u[%.:,%)]?$") ~= nil
end

local function is_number(text)
  return text:match("^%(?[%d][%d,%.]*$") ~= nil
end

-- Each element's type and text are read from pandoc once (a read is a call into
-- pandoc's Lua marshalling, the filter's main cost): `types` and `texts` follow
-- `inlines` as Strs are joined.
local function Inlines(inlines)
  local changed = false
  local types, texts = {}, {}
  for j, el in ipairs(inlines) do
    local t = el.t
    types[j] = t
    if t == "Str" then
      local before = el.text
      local text = bind_inside(smart(before))
      if text ~= before then
        el.text = text
        inlines[j] = el
        changed = true
      end
      texts[j] = text
    else
      texts[j] = false  -- a sequence, for table.remove
    end
  end
  local i = 1
  while i <= #types - 2 do
    if types[i] == "Str" and types[i + 1] == "Space" and types[i + 2] == "Str" then
      local a, b = texts[i], texts[i + 2]
      local word = a:match("[%(%[]?(.-)$")
      if (LABELS[word] and starts_number(b)) or
         (is_number(a) and UNITS[b:match("^[%w%%]+") or ""]) or
         (word == "Case" and b == "study") then
        texts[i] = a .. NBSP .. b
        inlines[i] = pandoc.Str(texts[i])
        inlines:remove(i + 2)
        inlines:remove(i + 1)
        table.remove(types, i + 2)
        table.remove(types, i + 1)
        table.remove(texts, i + 2)
        table.remove(texts, i + 1)
        changed = true
        -- stay on i: "Case study 1" joins twice
      else
        i = i + 1
      end
    else
      i = i + 1
    end
  end
  if changed then return inlines end
end

return {{Inlines = Inlines}}
