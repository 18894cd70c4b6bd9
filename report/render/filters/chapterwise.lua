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
--     Out: each chapter's blocks in a `report-chapterwise` Div; in `report-batch`, each
--     chapter's citable blocks, the recommendations and the Cites of those asked for.

local COUNTERS = {"chapter", "appendix", "rec", "fig", "tbl", "box"}

local function run_filter(doc, path)
  local env = setmetatable({PANDOC_SCRIPT_FILE = path}, {__index = _G})
  return pandoc.utils.run_lua_filter(doc, path, env)
end

local function chapter_doc(doc, block, overrides)
  local meta = {}
  for k, v in pairs(doc.meta) do
    if k ~= "report-batch" then meta[k] = v end
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

local function index(doc, items, number)
  local out = {}
  local previous
  for i, block in ipairs(doc.blocks) do
    local start = counters(previous, items[i].plus)
    local sub = run_filter(chapter_doc(doc, block, {["report-start"] = start,
                                                    ["report-index-only"] = true}), number)
    previous = sub.meta["report-end"]
    table.insert(out, pandoc.MetaMap({
      labels = sub.meta["report-labels"] or pandoc.MetaMap({}),
      order = sub.meta["report-label-order"] or pandoc.MetaList({}),
      recs = sub.meta["report-recommendations"] or pandoc.MetaList({}),
      start = start, ["end"] = previous,
    }))
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

local function render(doc, items)
  local out = pandoc.Blocks({})
  local kept = {}
  for i, block in ipairs(doc.blocks) do
    local item = items[i]
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
    out:insert(pandoc.Div(sub.blocks, {class = "report-chapterwise"}))
    -- The summary's chapter gives back the recommendations as its run left them
    -- (cited by citeproc), as the whole book's metadata has them.
    local recs = item["keep-recs"] and sub.meta["report-recommendations"]
    local back = {citable = sub.meta["report-citable"] or pandoc.MetaList({})}
    if recs then back.recs = recs end
    if cited then back.cites = cited end
    table.insert(kept, pandoc.MetaMap(back))
  end
  doc.blocks = out
  doc.meta["report-batch"] = pandoc.MetaList(kept)
  return doc
end

-- Returned, not global: the filters run in environments that fall back on this one's
-- globals, and must not find a Pandoc function there.
local function each_chapter(doc)
  local items = doc.meta["report-batch"]
  if pandoc.utils.stringify(doc.meta["report-batch-mode"] or "") == "index" then
    return index(doc, items, pandoc.utils.stringify(doc.meta["report-number-filter"]))
  end
  return render(doc, items)
end

return {{Pandoc = each_chapter}}
