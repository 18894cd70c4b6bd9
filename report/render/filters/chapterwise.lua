-- Several chapters, each a document of its own, through the report's filters in one
-- pandoc process (report.render.index and report.render): the filters run per chapter
-- with pandoc.utils.run_lua_filter, exactly as --lua-filter runs them on a whole book,
-- but one process pays pandoc's start-up (the Lua state, the filters, the bibliography)
-- once for a batch instead of once a chapter.
--
-- The input's blocks are the chapters' wrapper Divs; `report-batch` has one MetaMap a
-- chapter:
--   mode "index": number.lua alone; `plus` the counters to add to the previous chapter's
--     end (the first chapter: to nothing) for its start. Out: each chapter's labels,
--     label order, recommendations and end counters in `report-batch`.
--   mode "render": `meta` the chapter's own metadata (starting counters, the index
--     entries it uses, its diagnostics and HTML files), `filters` the chain, `citeproc`
--     whether to cite, `lists-refs` whether to keep the references list, `keep-recs`
--     whether to give back its recommendations metadata, `collect-cites` whether to give
--     back how citeproc wrote each Cite, `cite-renders` those of its last run (citeproc
--     is skipped when they cover every Cite), `citable` and `emit` the last two filters.
--     Out: each chapter's blocks in a `report-chapterwise` Div; in `report-batch`, the
--     recommendations and the Cites of those asked for (its citable blocks: in the file
--     its `meta` names, `report-citable-out`).
--   mode "save": one chapter a preview save changed, parsed, indexed and rendered in
--     one process (report.render.speculate), its wrapper Div empty: the render's item
--     plus `text` and `format` (its Markdown, as parsebatch.lua takes it), `number` (the
--     path of number.lua) and `expect` (its index entry as the server holds it). The
--     chapter is read (readchapter.lua) and numbered alone from the expected start; it
--     is rendered only if that gives the expected entry (else the book's index changed
--     and the ordinary path must run). Out: a `report-parsed` Div (the parse, warnings
--     attribute as parsebatch.lua), then the `report-chapterwise` Div if rendered; in
--     `report-batch` one item: `entry` and what mode "render" gives back.

local COUNTERS = {"chapter", "appendix", "rec", "fig", "tbl", "box"}

local function run_filter(doc, path)
  local env = setmetatable({PANDOC_SCRIPT_FILE = path}, {__index = _G})
  return pandoc.utils.run_lua_filter(doc, path, env)
end

local function chapter_doc(doc, block, overrides)
  local meta = {}
  for k, v in pairs(doc.meta) do
    if not k:match("^report%-batch") then meta[k] = v end
  end
  for k, v in pairs(overrides or {}) do meta[k] = v end
  return pandoc.Pandoc({block}, meta)
end

local function counters(map, plus)
  local out = {}
  for _, name in ipairs(COUNTERS) do
    local a = map and tonumber(pandoc.utils.stringify(map[name] or "0")) or 0
    local b = plus and tonumber(pandoc.utils.stringify(plus[name] or "0")) or 0
    out[name] = pandoc.MetaString(tostring(a + b))
  end
  return pandoc.MetaMap(out)
end

-- number.lua on one chapter alone from `start`: its index entry.
local function index_entry(doc, block, start, number)
  local sub = run_filter(chapter_doc(doc, block, {["report-start"] = start,
                                                  ["report-index-only"] = true}), number)
  return pandoc.MetaMap({
    labels = sub.meta["report-labels"] or pandoc.MetaMap({}),
    order = sub.meta["report-label-order"] or pandoc.MetaList({}),
    recs = sub.meta["report-recommendations"] or pandoc.MetaList({}),
    start = start, ["end"] = sub.meta["report-end"],
  })
end

local function index(doc, items, number)
  local out = {}
  local previous
  for i, block in ipairs(doc.blocks) do
    local entry = index_entry(doc, block, counters(previous, items[i].plus), number)
    previous = entry["end"]
    table.insert(out, entry)
  end
  doc.meta["report-batch"] = pandoc.MetaList(out)
  doc.blocks = pandoc.Blocks({})
  return doc
end

-- A Cite as citeproc reads it in a style whose citations do not depend on where they
-- stand (the only styles rendered chapter by chapter): its citations without the note
-- number and hash. Two Cites with the same key are written the same.
local function cite_key(cite)
  local parts = {}
  for _, c in ipairs(cite.citations) do
    table.insert(parts, {c.id, c.mode, pandoc.json.encode(c.prefix),
                         pandoc.json.encode(c.suffix)})
  end
  return pandoc.json.encode(parts)
end

-- Each Cite of the chapter's blocks as citeproc wrote it: `cite-renders` for the
-- chapter's next run (report.render keeps them).
local function citations_of(doc)
  local out = pandoc.MetaList({})
  pandoc.Blocks(doc.blocks):walk({Cite = function(cite)
    out:insert(pandoc.MetaMap({key = pandoc.MetaString(cite_key(cite)),
                               content = pandoc.MetaInlines(cite.content)}))
  end})
  return out
end

-- The chapter with citeproc's last writing of each Cite put back, when every Cite it
-- holds was written before under the same book (works cited, bibliography, metadata:
-- report.render keys `cite-renders` by them) and it keeps no references list: citeproc,
-- which formats every work the book cites for each run, is then not needed. Else nil.
local function reuse_citations(doc, renders)
  local known = {}
  for _, render in ipairs(renders) do
    known[pandoc.utils.stringify(render.key)] = render.content
  end
  local blocks = pandoc.Blocks(doc.blocks)
  local missing = false
  blocks:walk({Cite = function(cite)
    if known[cite_key(cite)] == nil then missing = true end
  end})
  if missing then return nil end
  doc.blocks = blocks:walk({Cite = function(cite)
    cite.content = known[cite_key(cite)]
    return cite
  end})
  doc.meta.nocite = nil  -- as citeproc leaves it
  return doc
end

-- One chapter through the chain (mode "render"): its blocks in a `report-chapterwise`
-- Div, and what report.render keeps of its metadata.
local function render_one(doc, block, item)
  local sub = chapter_doc(doc, block, item.meta)
  for _, path in ipairs(item.filters) do
    sub = run_filter(sub, pandoc.utils.stringify(path))
  end
  local cited
  if item.citeproc then
    local reused = item["cite-renders"] and reuse_citations(sub, item["cite-renders"])
    if reused then
      sub = reused
    else
      sub = pandoc.utils.citeproc(sub)
      -- The references list citeproc adds after a chapter that does not print it.
      if not item["lists-refs"] then sub.blocks = pandoc.Blocks({sub.blocks[1]}) end
      if item["collect-cites"] then cited = citations_of(sub) end
    end
  end
  -- The citable blocks numbered from 1 in each chapter: report.render moves them on
  -- by the blocks of the chapters before (an edit does not re-render the chapters after).
  sub = run_filter(sub, pandoc.utils.stringify(item.citable))
  sub = run_filter(sub, pandoc.utils.stringify(item.emit))
  -- The summary's chapter gives back the recommendations as its run left them
  -- (cited by citeproc), as the whole book's metadata has them.
  local recs = item["keep-recs"] and sub.meta["report-recommendations"]
  local back = {}
  if recs then back.recs = recs end
  if cited then back.cites = cited end
  return pandoc.Div(sub.blocks, {class = "report-chapterwise"}), back
end

local function render(doc, items)
  local out = pandoc.Blocks({})
  local kept = {}
  for i, block in ipairs(doc.blocks) do
    local rendered, back = render_one(doc, block, items[i])
    out:insert(rendered)
    table.insert(kept, pandoc.MetaMap(back))
  end
  doc.blocks = out
  doc.meta["report-batch"] = pandoc.MetaList(kept)
  return doc
end

-- Two index entries alike: both as pandoc's JSON encodes them (MetaMap keys sorted).
local function same_entry(a, b)
  local ok_a, json_a = pcall(pandoc.json.encode, a)
  local ok_b, json_b = pcall(pandoc.json.encode, b)
  return ok_a and ok_b and json_a == json_b
end

local function save(doc, item)
  local read_chapter = dofile(PANDOC_SCRIPT_FILE:gsub("chapterwise%.lua$", "readchapter.lua"))
  local wrapper = doc.blocks[1]
  local blocks, warnings = read_chapter(pandoc.utils.stringify(item.text),
                                        pandoc.utils.stringify(item.format))
  local parsed = pandoc.Div(blocks, {class = "report-parsed",
                                     warnings = pandoc.json.encode(warnings)})
  wrapper.content = blocks
  local expected = item.expect
  local entry = index_entry(doc, wrapper, expected.start,
                            pandoc.utils.stringify(item.number))
  local back = {}
  doc.blocks = pandoc.Blocks({parsed})
  if same_entry(entry, expected) then
    local rendered
    rendered, back = render_one(doc, wrapper, item)
    doc.blocks:insert(rendered)
  end
  back.entry = entry
  doc.meta["report-batch"] = pandoc.MetaList({pandoc.MetaMap(back)})
  return doc
end

-- Returned, not global: the filters run in environments that fall back on this one's
-- globals, and must not find a Pandoc function there.
local function each_chapter(doc)
  local items = doc.meta["report-batch"]
  local mode = pandoc.utils.stringify(doc.meta["report-batch-mode"] or "")
  if mode == "index" then
    return index(doc, items, pandoc.utils.stringify(doc.meta["report-number-filter"]))
  elseif mode == "save" then
    return save(doc, items[1])
  end
  return render(doc, items)
end

return {{Pandoc = each_chapter}}
