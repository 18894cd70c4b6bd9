-- Numbering, in reading order, of everything a reader can be pointed at: chapters
-- (1, 2 … or A, B … for appendices), sections (4.2), recommendations (1..N across the
-- report), figures, tables and case studies. Every label is recorded in the metadata
-- (`report-labels`) for crossref.lua and for Python (the page/label map). Numbers are
-- the same in every edition.
--
-- Run on the whole report, it counts from zero. Run on one chapter (report.render.index),
-- it starts from the counters in `report-start` (what the chapters before it used) and
-- writes the counters it ends with to `report-end`; when the whole book's labels and
-- recommendations are given too (`report-labels`, `report-recommendations`, from the
-- index), it keeps them as the document's and reports a label another chapter already
-- defines as a duplicate, as the whole-book pass would.

local diag_path
local labels = {}          -- id -> {kind, number, text, chapter}
local label_order = {}
local recs = {}            -- list of {id, number, to, chapter, chapter_title, blocks}
local counters = {chapter = 0, appendix = 0, rec = 0, fig = 0, tbl = 0, box = 0}
local index = nil         -- the whole book's labels (id -> chapter), when given
local keep_meta = false
local index_only = false  -- the index's run (chapterwise.lua): its problems are not read
local current = {source = nil, kind = nil, number = nil, title = nil, label = nil, section = 0,
  section_id = nil, section_text = nil}

local function problem(code, message, extra)
  local record = {code = code, message = message, source = current.source}
  for k, v in pairs(extra or {}) do record[k] = v end
  local diag = dofile(PANDOC_SCRIPT_FILE:gsub("number%.lua$", "diagnostics.lua"))
  diag.report(diag_path, record)
end

local function add_label(id, kind, number, text)
  if id == nil or id == "" then return end
  local first = labels[id] and labels[id].chapter
  if not first and index and index[id] and index[id] ~= current.source then first = index[id] end
  if first then
    problem("duplicate-label", "duplicate label '" .. id .. "' (first in " ..
      (first or "?") .. ")", {label = id})
    return
  end
  labels[id] = {kind = kind, number = tostring(number), text = text, chapter = current.source,
    chapter_label = current.label}
  table.insert(label_order, id)
end

local function letter(n)
  return string.char(string.byte("A") + n - 1)
end

local function prefixed(number, inlines)
  local out = pandoc.Inlines({pandoc.Span(pandoc.Inlines(number), {class = "number"}), pandoc.Space()})
  out:extend(inlines)
  return out
end

local function handle_chapter(div)
  current.source = div.attributes["source"]
  current.kind = div.attributes["kind"] or "chapter"
  current.label = div.attributes["label"]
  current.section = 0
  current.section_id = nil
  current.section_text = nil
  current.number = nil
  if current.kind == "chapter" then
    counters.chapter = counters.chapter + 1
    current.number = tostring(counters.chapter)
  elseif current.kind == "appendix" then
    counters.appendix = counters.appendix + 1
    current.number = letter(counters.appendix)
  end
  -- The chapter's first level-1 heading carries the label; insert one if missing.
  local first
  for _, block in ipairs(div.content) do
    if block.t == "Header" and block.level == 1 then first = block; break end
  end
  if not first then
    div.content:insert(1, pandoc.Header(1, pandoc.Inlines(div.attributes["title"] or "")))
    first = div.content[1]
  end
  first.identifier = current.label
  current.title = pandoc.utils.stringify(first.content)
  local text
  if current.kind == "chapter" then
    text = "Chapter " .. current.number
    first.content = prefixed(current.number, first.content)
  elseif current.kind == "appendix" then
    text = "Appendix " .. current.number
    first.content = prefixed("Appendix " .. current.number, first.content)
  else
    text = current.title
    first.classes:insert("unnumbered")
  end
  add_label(current.label, "chapter", current.number or "", text)
  div.attributes["number"] = current.number
  -- "kind" and "title" are HTML attributes: keep them out of the written HTML.
  div.attributes["chapter-kind"] = current.kind
  div.attributes["kind"] = nil
  div.attributes["title"] = nil
  return div
end

local function handle_header(h)
  if h.level == 1 then
    if h.identifier ~= current.label then
      problem("extra-h1", "more than one level-1 heading in a chapter: '" ..
        pandoc.utils.stringify(h.content) .. "'", {title = pandoc.utils.stringify(h.content)})
    end
    return h
  end
  -- Where a recommendation stands, for the summary: the last level-2 heading above it.
  if h.level == 2 then
    current.section_id = h.identifier ~= "" and h.identifier or nil
    current.section_text = "‘" .. pandoc.utils.stringify(h.content) .. "’"
  end
  if h.level == 2 and current.number and not h.classes:includes("unnumbered") then
    current.section = current.section + 1
    local number = current.number .. "." .. current.section
    h.content = prefixed(number, h.content)
    current.section_text = "Section " .. number
    if h.identifier:match("^sec%-") then
      add_label(h.identifier, "section", number, "Section " .. number)
    end
  elseif h.identifier:match("^sec%-") then
    add_label(h.identifier, "section", "", "‘" .. pandoc.utils.stringify(h.content) .. "’")
  end
  return h
end

local function handle_recommendation(div)
  counters.rec = counters.rec + 1
  local n = counters.rec
  local to = div.attributes["to"]
  if not to or to == "" then
    problem("rec-no-addressee", "recommendation " .. (div.identifier ~= "" and div.identifier or tostring(n)) ..
      " has no addressee (to=\"...\")", {label = div.identifier})
    to = "?"
  end
  if div.identifier == "" then div.identifier = "rec-" .. n end
  add_label(div.identifier, "recommendation", n, "Recommendation " .. n)
  table.insert(recs, {id = div.identifier, number = tostring(n), to = to,
    chapter = current.label or "", chapter_title = current.title or "",
    section = current.section_id or "", section_text = current.section_text or "",
    blocks = div.content:clone()})
  local head = pandoc.Para({pandoc.Strong({pandoc.Str("Recommendation " .. n)}), pandoc.Space(),
    pandoc.Span(pandoc.Inlines("(to: " .. to .. ")"), {class = "rec-to"})})
  div.content:insert(1, head)
  div.attributes["number"] = tostring(n)
  div.attributes["custom-style"] = "Recommendation"
  return div
end

local function handle_box(div)
  counters.box = counters.box + 1
  local n = counters.box
  local title = div.attributes["title"]
  local text = "Case study " .. n
  add_label(div.identifier, "box", n, text)
  local head = {pandoc.Str(text .. (title and ":" or ""))}
  if title then
    table.insert(head, pandoc.Space())
    for _, inline in ipairs(pandoc.Inlines(title)) do table.insert(head, inline) end
  end
  div.content:insert(1, pandoc.Para({pandoc.Strong(head)}))
  div.attributes["title"] = nil
  div.attributes["custom-style"] = "Case Study"
  return div
end

local function caption_prefix(caption, text)
  local long = caption.long
  if #long == 0 then
    long:insert(pandoc.Plain({}))
  end
  local first = long[1]
  local lead = pandoc.Inlines({pandoc.Span(pandoc.Inlines(text .. ":"), {class = "caption-number"}), pandoc.Space()})
  lead:extend(first.content)
  first.content = lead
  return caption
end

-- The next number of a figure or table, its label recorded, its caption prefixed.
local function number_captioned(element, counter, kind, word)
  counters[counter] = counters[counter] + 1
  local text = word .. " " .. counters[counter]
  add_label(element.identifier, kind, counters[counter], text)
  element.caption = caption_prefix(element.caption, text)
  return element
end

local function handle_figure(fig)
  fig = number_captioned(fig, "fig", "figure", "Figure")
  -- The alt text of an informative image is required; it comes from fig-alt.
  fig.content = fig.content:walk({
    Image = function(img)
      local alt = img.attributes["fig-alt"]
      if not alt or alt == "" then
        problem("image-no-alt", "image without alt text (add fig-alt=\"...\"): " .. img.src,
          {src = img.src, label = fig.identifier ~= "" and fig.identifier or nil})
      else
        img.caption = pandoc.Inlines(alt)
        img.attributes["fig-alt"] = nil
      end
      return img
    end,
  })
  return fig
end

local function handle_table(tbl)
  return number_captioned(tbl, "tbl", "table", "Table")
end

local function handle_inline_image(img)
  if #img.caption == 0 and not img.classes:includes("decorative") then
    problem("image-no-alt", "image without alt text: " .. img.src, {src = img.src})
  end
  return img
end

local function meta_string_map(t)
  local m = {}
  for k, v in pairs(t) do m[k] = pandoc.MetaString(v) end
  return m
end

local COUNTERS = {"chapter", "appendix", "rec", "fig", "tbl", "box"}

local function read_meta(meta)
  diag_path = meta["report-diagnostics"] and pandoc.utils.stringify(meta["report-diagnostics"])
  index_only = meta["report-index-only"] == true
  local start = meta["report-start"]
  if start then
    for _, name in ipairs(COUNTERS) do
      counters[name] = tonumber(pandoc.utils.stringify(start[name] or "0")) or 0
    end
    if meta["report-labels"] then
      index = {}
      for id, entry in pairs(meta["report-labels"]) do
        index[id] = pandoc.utils.stringify(entry.chapter or "")
      end
      keep_meta = true
    end
  end
end

-- Element filters, not one Pandoc function: pandoc then hands Lua only the elements
-- these functions name, instead of converting the whole book to Lua and back.
local function write_meta(meta)
  if meta["report-start"] then
    local finish = {}
    for _, name in ipairs(COUNTERS) do finish[name] = pandoc.MetaString(tostring(counters[name])) end
    meta["report-end"] = pandoc.MetaMap(finish)
  end
  if keep_meta then return meta end
  local meta_labels = {}
  for _, id in ipairs(label_order) do meta_labels[id] = pandoc.MetaMap(meta_string_map(labels[id])) end
  meta["report-labels"] = pandoc.MetaMap(meta_labels)
  local order = {}
  for _, id in ipairs(label_order) do table.insert(order, pandoc.MetaString(id)) end
  meta["report-label-order"] = pandoc.MetaList(order)
  local meta_recs = {}
  for _, r in ipairs(recs) do
    table.insert(meta_recs, pandoc.MetaMap({
      id = pandoc.MetaString(r.id), number = pandoc.MetaString(r.number),
      to = pandoc.MetaString(r.to), chapter = pandoc.MetaString(r.chapter),
      chapter_title = pandoc.MetaString(r.chapter_title), blocks = pandoc.MetaBlocks(r.blocks),
      section = pandoc.MetaString(r.section), section_text = pandoc.MetaString(r.section_text),
    }))
  end
  meta["report-recommendations"] = pandoc.MetaList(meta_recs)
  return meta
end

return {
  {Meta = read_meta},
  {
    traverse = "topdown",
    Div = function(div)
      if div.classes:includes("chapter") then return handle_chapter(div) end
      if div.classes:includes("recommendation") then return handle_recommendation(div) end
      if div.classes:includes("case-study") then return handle_box(div) end
      return nil
    end,
    Header = handle_header,
    Figure = handle_figure,
    Table = handle_table,
  },
  -- Images outside figures only give problems, which the index does not read: the
  -- walk (about half of this filter's time) is left out of its run.
  {
    Pandoc = function(doc)
      if index_only then return nil end
      return doc:walk({
        traverse = "topdown",
        Figure = function(fig) return fig, false end,
        Image = handle_inline_image,
      })
    end,
  },
  {Meta = write_meta},
}
