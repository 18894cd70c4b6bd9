-- Cross-references: `@rec-x`, `@ch-x`, `@sec-x`, `@fig-x`, `@tbl-x`, `@box-x` become links
-- whose text is the number given by number.lua ("Recommendation 3", "Figure 2"). Runs
-- before citeproc, so only real citation keys are left for it. An unknown label with a
-- label prefix is an error, never printed as "??".

local PREFIXES = {rec = true, ch = true, sec = true, fig = true, tbl = true, box = true}
local labels = {}
local diag_path

local function problem(code, message, extra)
  local diag = dofile(PANDOC_SCRIPT_FILE:gsub("crossref%.lua$", "diagnostics.lua"))
  local record = {code = code, message = message}
  for k, v in pairs(extra or {}) do record[k] = v end
  diag.report(diag_path, record)
end

local function is_label(id)
  local prefix = id:match("^(%a+)%-")
  return prefix and PREFIXES[prefix]
end

local function link_for(citation)
  local id = citation.id
  local entry = labels[id]
  if not entry then
    problem("unknown-label", "cross-reference to unknown label '" .. id .. "'", {label = id})
    return pandoc.Inlines({pandoc.Strong(pandoc.Inlines("??" .. id))})
  end
  local out = pandoc.Inlines({})
  if #citation.prefix > 0 then
    out:extend(citation.prefix)
    out:insert(pandoc.Space())
  end
  out:insert(pandoc.Link(pandoc.Inlines(entry.text), "#" .. id, "", {class = "xref xref-" .. entry.kind}))
  if #citation.suffix > 0 then
    out:extend(citation.suffix)
  end
  return out
end

local function Cite(cite)
  local all_labels = true
  for _, c in ipairs(cite.citations) do
    if not is_label(c.id) then all_labels = false end
  end
  if not all_labels then
    for _, c in ipairs(cite.citations) do
      if is_label(c.id) then
        problem("mixed-cite", "cross-reference '" .. c.id .. "' mixed with citations in one bracket",
          {label = c.id})
      end
    end
    return nil
  end
  local out = pandoc.Inlines({})
  for i, c in ipairs(cite.citations) do
    if i > 1 then
      out:insert(pandoc.Str(i == #cite.citations and " and" or ","))
      out:insert(pandoc.Space())
    end
    out:extend(link_for(c))
  end
  return out
end

local function strip_notes_and_ids(blocks)
  return blocks:walk({
    Note = function() return {} end,
    Span = function(s) s.identifier = ""; return s end,
    Div = function(d) d.identifier = ""; return d end,
  })
end

local function summary(recs)
  local out = pandoc.Blocks({})
  local last_chapter
  for _, r in ipairs(recs) do
    local chapter = pandoc.utils.stringify(r.chapter)
    if chapter ~= last_chapter then
      local title = pandoc.utils.stringify(r.chapter_title)
      local entry = labels[chapter]
      local inl = pandoc.Inlines({})
      if entry and entry.kind == "chapter" and entry.number ~= "" then
        inl:insert(pandoc.Link(pandoc.Inlines(entry.text), "#" .. chapter, "", {class = "xref xref-chapter"}))
        inl:insert(pandoc.Str(":"))
        inl:insert(pandoc.Space())
      end
      inl:extend(pandoc.Inlines(title))
      out:insert(pandoc.Div({pandoc.Para({pandoc.Strong(inl)})}, {class = "rec-summary-chapter"}))
      last_chapter = chapter
    end
    local id = pandoc.utils.stringify(r.id)
    local head = pandoc.Para({
      pandoc.Link({pandoc.Strong({pandoc.Str("Recommendation " .. pandoc.utils.stringify(r.number))})},
        "#" .. id, "", {class = "rec-ref"}),
      pandoc.Space(),
      pandoc.Span(pandoc.Inlines("(to: " .. pandoc.utils.stringify(r.to) .. ")"), {class = "rec-to"}),
    })
    -- Where it stands: its section (else its chapter), linked, for editions without pages.
    local section = pandoc.utils.stringify(r.section or "")
    local where_id, where_text = section, pandoc.utils.stringify(r.section_text or "")
    local entry = labels[chapter]
    if section == "" and entry then
      where_id, where_text = chapter, entry.text
    end
    if where_id ~= "" and where_text ~= "" then
      local where = pandoc.Inlines({pandoc.Str("—"), pandoc.Space(), pandoc.Str("in"), pandoc.Space()})
      where:insert(pandoc.Link(pandoc.Inlines(where_text), "#" .. where_id, "", {class = "xref rec-where"}))
      head.content:insert(pandoc.Space())
      head.content:insert(pandoc.Span(where, {class = "rec-where"}))
    end
    local body = pandoc.Blocks({head})
    body:extend(strip_notes_and_ids(r.blocks))
    out:insert(pandoc.Div(body, {class = "rec-summary-item"}))
  end
  return out
end

function Pandoc(doc)
  diag_path = doc.meta["report-diagnostics"] and pandoc.utils.stringify(doc.meta["report-diagnostics"])
  for id, entry in pairs(doc.meta["report-labels"] or {}) do
    labels[id] = {}
    for k, v in pairs(entry) do labels[id][k] = pandoc.utils.stringify(v) end
  end
  doc = doc:walk({Cite = Cite})
  local recs = doc.meta["report-recommendations"] or {}
  local contributors = doc.meta["report-contributors"]
  doc = doc:walk({
    Div = function(div)
      if div.classes:includes("recommendations-summary") then
        -- Cross-references inside recommendation texts were resolved above in the main
        -- text, but the copies in metadata still hold Cite elements: resolve them too.
        div.content = summary(recs):walk({Cite = Cite})
        return div
      end
      if div.classes:includes("contributors") then
        if contributors then
          div.content = pandoc.Blocks(contributors)
        end
        return div
      end
    end,
  })
  return doc
end
