-- The report's boxed and marked blocks, as plain pandoc elements every writer knows:
-- key findings, anonymised quotes (attributed by role only: Chatham House Rule) and
-- draft passages. Classes stay on the Divs for the editions' styles; `custom-style`
-- names the Word paragraph style.

local function lead(text)
  return pandoc.Para({pandoc.Strong(pandoc.Inlines(text))})
end

function Div(div)
  if div.classes:includes("key-findings") then
    div.content:insert(1, lead(div.attributes["title"] or "Key findings"))
    div.attributes["title"] = nil
    div.attributes["custom-style"] = "Key Findings"
    return div
  end
  if div.classes:includes("quote") then
    local by = div.attributes["by"] or "participant"
    local illustrative = div.attributes["illustrative"] == "true"
    local attribution = "— " .. by .. (illustrative and " (illustrative)" or "")
    local content = div.content:clone()
    content:insert(pandoc.Para(pandoc.Inlines(attribution)))
    div.content = pandoc.Blocks({pandoc.BlockQuote(content)})
    div.attributes["by"] = nil
    div.attributes["illustrative"] = nil
    return div
  end
  if div.classes:includes("draft") then
    div.content:insert(1, pandoc.Para({pandoc.Emph(pandoc.Inlines("Draft text to be confirmed."))}))
    div.attributes["custom-style"] = "Draft"
    return div
  end
  if div.classes:includes("chapter") and div.attributes["draft"] == "true" then
    local note = pandoc.Div({pandoc.Para({pandoc.Emph(pandoc.Inlines(
      "Draft text to be confirmed: this chapter is a draft for its author to rewrite."))})},
      {class = "draft draft-chapter"})
    div.content:insert(2, note)
    return div
  end
end
