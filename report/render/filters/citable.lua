-- Every block a reviewer can cite, in reading order, after cross-references, citeproc
-- and typography have written the words a reader sees: paragraphs, list items, block
-- quotes, table rows, figure and table captions, footnotes, and the paragraphs of boxes
-- (recommendations, case studies, key findings, quotes, draft passages). Each gets a pack
-- number (1..N across the report) and a stable id `p-N`; headings get an id (their own)
-- but no number, so adding a heading does not renumber the text.
--
-- The id is an empty Span `[]{#p-N .pn n=N}` at the start of the block (pandoc's Para
-- has no attributes): it is invisible in every edition (an empty <span> in HTML, an
-- empty bookmark in Word); the reviewer pack shows `n` in the margin and makes the
-- bookmark cover the paragraph. The table (id, number, kind, text, chapter, box, level)
-- is written as JSON to the file named in `report-citable-out`, for Python
-- (`Rendered.citable`): not into the metadata, where it went through every later filter
-- and pandoc's own output (the book's whole text once more: 0.8 s of the 470-page
-- corpus's 6 s of render CPU).

local entries = {}
local count = 0
local chapter = nil
local BOXES = {"recommendation", "case-study", "key-findings", "quote", "draft"}

-- Whether the document holds any footnote or image (one walk finds out): most chapters
-- of a long book hold neither, and then no block needs a walk of its own (each costs a
-- copy of the block). pandoc.utils.stringify leaves a footnote's text out already.
local any_note, any_image = true, true

local function without_notes(node)
  if not any_note then return node end
  return node:walk({Note = function() return {} end})
end

local function text_of(blocks_or_inlines)
  return pandoc.utils.stringify(blocks_or_inlines)
end

local function record(id, number, kind, text, box, level)
  table.insert(entries, {
    id = id, number = number and tostring(number) or "", kind = kind, text = text,
    chapter = chapter or "", box = box or "", level = level and tostring(level) or "",
  })
end

local function marker(n)
  return pandoc.Span({}, {id = "p-" .. n, class = "pn", n = tostring(n)})
end

local walk_blocks

-- The footnotes a block calls, numbered right after it (where the reader meets them);
-- returns the inlines with the notes marked (walk works on a copy).
local function notes_in(inlines, box)
  if not any_note then return inlines end
  return pandoc.Inlines(inlines):walk({Note = function(note)
    walk_blocks(note.content, "footnote", box)
    return note
  end})
end

-- A block of text (Para, Plain): numbered when it has words of its own (an image's alt
-- text is not what a reader reads: a figure is cited by its caption); returns it marked.
-- One walk finds its text without notes, and whether it holds images or notes at all:
-- most blocks hold neither, and each walk of a block costs a copy of it.
local function cite_text(block, kind, box)
  local has_image, has_note = false, false
  local text, words
  if any_note or any_image then
    local bare = block:walk({
      Note = function() has_note = true; return {} end,
      Image = function() has_image = true end,
    })
    text = text_of(bare)
    words = has_image and text_of(bare:walk({Image = function() return {} end})) or text
  else
    text = text_of(block)
    words = text
  end
  if not words:match("%S") then return block end
  count = count + 1
  block.content:insert(1, marker(count))
  record("p-" .. count, count, kind, text, box)
  if has_note then block.content = notes_in(block.content, box) end
  return block
end

local function cell_text(cell)
  return text_of(without_notes(pandoc.Div(cell.contents)))
end

-- A table row is one citable block; its marker goes in the first cell's first text.
local function cite_row(row, box)
  local parts = {}
  for _, cell in ipairs(row.cells) do
    local text = cell_text(cell)
    if text:match("%S") then table.insert(parts, text) end
  end
  if #parts == 0 then return end
  count = count + 1
  local n = count
  local placed = false
  for _, cell in ipairs(row.cells) do
    for _, block in ipairs(cell.contents) do
      if not placed and (block.t == "Plain" or block.t == "Para") then
        block.content:insert(1, marker(n))
        placed = true
      end
    end
  end
  if not placed then
    row.cells[1].contents:insert(1, pandoc.Plain({marker(n)}))
  end
  record("p-" .. n, n, "row", table.concat(parts, "\n"), box)
  if not any_note then return end
  for _, cell in ipairs(row.cells) do
    for _, block in ipairs(cell.contents) do
      if block.t == "Plain" or block.t == "Para" then
        block.content = notes_in(block.content, box)
      end
    end
  end
end

local function cite_caption(caption, box)
  if caption and caption.long and #caption.long > 0 then
    walk_blocks(caption.long, "caption", box)
  end
end

local function cite_table(tbl, box)
  cite_caption(tbl.caption, box)
  for _, row in ipairs(tbl.head.rows) do cite_row(row, box) end
  for _, body in ipairs(tbl.bodies) do
    for _, row in ipairs(body.head) do cite_row(row, box) end
    for _, row in ipairs(body.body) do cite_row(row, box) end
  end
  for _, row in ipairs(tbl.foot.rows) do cite_row(row, box) end
end

local function box_of(div, box)
  for _, class in ipairs(BOXES) do
    if div.classes:includes(class) then return class end
  end
  return box
end

walk_blocks = function(blocks, kind, box)
  local code_marks = {}  -- {position, number}: a code block's mark goes before it
  for position, block in ipairs(blocks) do
    local t = block.t
    if t == "Para" or t == "Plain" or t == "LineBlock" then
      if t == "LineBlock" then
        local text = text_of(block)
        if text:match("%S") then
          count = count + 1
          block.content[1]:insert(1, marker(count))
          record("p-" .. count, count, kind, text, box)
        end
      else
        cite_text(block, kind, box)
      end
    elseif t == "Header" then
      local text = text_of(without_notes(block.content))
      record(block.identifier, nil, "heading", text, box, block.level)
      if any_note then block.content = notes_in(block.content, box) end
    elseif t == "Div" then
      if block.classes:includes("chapter") then
        chapter = block.attributes["source"]
        walk_blocks(block.content, "paragraph", nil)
      else
        walk_blocks(block.content, kind, box_of(block, box))
      end
    elseif t == "BlockQuote" then
      walk_blocks(block.content, "quote", box)
    elseif t == "BulletList" or t == "OrderedList" then
      for _, item in ipairs(block.content) do walk_blocks(item, "item", box) end
    elseif t == "DefinitionList" then
      for _, pair in ipairs(block.content) do
        for _, definition in ipairs(pair[2]) do walk_blocks(definition, "item", box) end
      end
    elseif t == "Table" then
      cite_table(block, box)
    elseif t == "Figure" then
      walk_blocks(block.content, "figure", box)
      cite_caption(block.caption, box)
    elseif t == "CodeBlock" then
      -- A code block holds no inlines: its mark stands alone just before it (its own
      -- identifier, and pandoc's numbering of those without one, are left as they are).
      if block.text:match("%S") then
        count = count + 1
        record("p-" .. count, count, "code", block.text, box)
        table.insert(code_marks, {position, count})
      end
    end
  end
  for i = #code_marks, 1, -1 do
    table.insert(blocks, code_marks[i][1], pandoc.Plain({marker(code_marks[i][2])}))
  end
end

function Pandoc(doc)
  any_note, any_image = false, false
  doc:walk({Note = function() any_note = true end, Image = function() any_image = true end})
  walk_blocks(doc.blocks, "paragraph", nil)
  local out = doc.meta["report-citable-out"]
  if out then
    local f = assert(io.open(pandoc.utils.stringify(out), "w"))
    f:write(pandoc.json.encode(entries))
    f:close()
    doc.meta["report-citable-out"] = nil
  end
  return doc
end
