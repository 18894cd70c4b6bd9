"""Personal names beyond the register (issue 17): the labelled set, where names are found,
who is exempt, and a build that refuses a name in an attribution."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import TREES, commit_all
from tests.names.measure import HELDOUT, measure

# Floors for the labelled set (tests/names/labelled.txt, 215 sentences, 104 names). Measured
# at 0.98 precision and 0.92 recall before any tuning, 0.99 and 0.95 after; the misses are
# names of origins the gazetteer does not hold (Albanian, Amharic/Tigrinya, Edo, Shona,
# Scottish Gaelic). The held-out set (49 sentences, 27 names, never tuned on) measured
# 0.96 and 0.93.
PRECISION_FLOOR = 0.95
RECALL_FLOOR = 0.90
HELDOUT_FLOOR = 0.90

CHAPTER = """\
# One

::: {.quote by="Sarah Johnson, personal adviser, Leeds City Council"}
The wait for a decision was the hardest part.
:::

We met Kwame Mensah at the drop-in.[^n1]

![A chart drawn by Hamid Rezaei.](images/dot.svg){#fig-dot fig-alt="By Priya Ramanathan"}

| team | lead |
| --- | --- |
| outreach | Magdalena Nowak |

: Leads {#tbl-leads}

Jenny Pearce showed that consent is misunderstood [@pearce2009].

The Home Secretary, Priti Patel, announced the review. Dame Sara Thornton, then
Independent Anti-Slavery Commissioner, opened the conference.

Cumberland Lodge and St Giles Trust hosted the sessions; Milton Keynes Council took part.

<!-- report: allow NAME-TEXT named with his consent, in his public role -->
Daniel Brooks described the pilot.

[^n1]: As told to Mercy Owusu.
"""

REGISTER = """\
contributors:
  - id: iasc-commissioner
    name: Dame Sara Thornton
    affiliation: Independent Anti-Slavery Commissioner
    roles: [commissioner]
    consent: {listed: true, show: name-and-affiliation, given: 2021-10-12, method: email,
              wording: v1, recorded_by: Research Associate}
"""

BIBLIOGRAPHY = """\
@article{pearce2009,
  author = {Pearce, Jenny},
  title = {Young people and sexual exploitation},
  year = {2009},
  journal = {Child Abuse Review},
}
"""


def names_tree(root: Path, chapter: str = CHAPTER, subtitle: str = "Lessons learnt") -> Path:
    (root / "chapters" / "images").mkdir(parents=True)
    shutil.copy(TREES / "check" / "chapters" / "images" / "dot.svg",
                root / "chapters" / "images" / "dot.svg")
    (root / "mkdocs.yml").write_text(
        "site_name: Names\ndocs_dir: chapters\ntheme:\n  name: material\n"
        f"extra:\n  subtitle: \"{subtitle}\"\n  bibliography: references.bib\n"
        "nav:\n  - One: one.md\n", encoding="utf-8")
    (root / "contributors.yaml").write_text(REGISTER, encoding="utf-8")
    (root / "references.bib").write_text(BIBLIOGRAPHY, encoding="utf-8")
    (root / "chapters" / "one.md").write_text(chapter, encoding="utf-8")
    (root / ".gitignore").write_text("build/\n")
    commit_all(root)
    return root


def name_findings(run_report, root: Path) -> list[tuple[str, int, int, str, str]]:
    result = run_report(root, "check", "--format", "json", "--severity", "info")
    assert result.exit_code in (0, 1), result.output
    return sorted((f["path"], f["line"], f["column"], f["code"], f["severity"])
                  for f in json.loads(result.stdout) if f["code"].startswith("NAME"))


def test_labelled_set_precision_and_recall_above_the_floor():
    result = measure()
    assert result["sentences"] >= 200 and result["names"] >= 100
    assert result["precision"] >= PRECISION_FLOOR, result["false_positives"]
    assert result["recall"] >= RECALL_FLOOR, result["missed"]


def test_held_out_set_precision_and_recall_above_the_floor():
    result = measure(HELDOUT)
    assert result["sentences"] >= 40 and result["names"] >= 25
    assert result["precision"] >= HELDOUT_FLOOR, result["false_positives"]
    assert result["recall"] >= HELDOUT_FLOOR, result["missed"]


def test_names_are_found_wherever_text_is_printed(run_report, tmp_path):
    root = names_tree(tmp_path / "tree", subtitle="Edited by Tomasz Kowalczyk")
    found = name_findings(run_report, root)
    one = "chapters/one.md"
    assert found == [
        (one, 3, 17, "NAME-ATTRIBUTION", "error"),   # quote attribution
        (one, 7, 8, "NAME-TEXT", "warning"),          # body
        (one, 9, 20, "NAME-TEXT", "warning"),         # caption
        (one, 9, 72, "NAME-TEXT", "warning"),         # alt text
        (one, 13, 14, "NAME-TEXT", "warning"),        # table cell
        (one, 27, 19, "NAME-TEXT", "warning"),        # footnote
        ("mkdocs.yml", 6, 24, "NAME-TEXT", "warning"),  # metadata (extra.subtitle)
    ]
    # Not flagged: the cited author (line 17), the Home Secretary and the Commissioner in
    # their offices, the registered contributor, organisations named after people and
    # places, and the name kept by an allow comment (line 25).
    result = run_report(root, "check")
    assert "Sarah" not in result.output and "Kwame" not in result.output  # no name in logs


def test_a_name_in_an_attribution_stops_the_build_with_the_others(run_report, tmp_path):
    root = names_tree(tmp_path / "tree")
    result = run_report(root, "build", "docx")
    assert result.exit_code == 2
    assert "chapters/one.md:3:17: NAME-ATTRIBUTION" in result.output
    assert not (root / "build").exists() or not any(
        p.is_file() for p in (root / "build").rglob("*") if ".cache" not in p.parts)


@pytest.mark.parametrize("attribution", ["practitioner, local authority",
                                         "Sarah, care leaver",
                                         "Dr Okafor, paediatrician"])
def test_attributions_are_role_only(run_report, tmp_path, attribution):
    chapter = f'# One\n\n::: {{.quote by="{attribution}"}}\nWords.\n:::\n'
    root = names_tree(tmp_path / "tree", chapter=chapter)
    found = name_findings(run_report, root)
    expected = [] if attribution.startswith("practitioner") else [
        ("chapters/one.md", 3, 17, "NAME-ATTRIBUTION", "error")]
    assert found == expected


def test_the_names_faker_ships_are_kept_sealed_between_builds(tmp_path, monkeypatch) -> None:
    """The names are read in a child process once, then from the report's build cache
    (0.3 s of every build that checks an attribution); a kept file whose seal does not
    verify (one planted with a name left out) is not trusted: the names are read afresh."""
    import json
    import subprocess

    from report import seal
    from report.checks import names

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    monkeypatch.setattr(seal, "_KEY", None)
    monkeypatch.setattr(names, "_KEPT_IN", None)
    names.keep_lexicon_in(tmp_path / "build" / ".cache")
    children: list[list[str]] = []
    run = subprocess.run

    def counted(command, *args, **kwargs):
        children.append(command)
        return run(command, *args, **kwargs)

    monkeypatch.setattr(subprocess, "run", counted)
    # A tree never built: the names are read, and no build/ is made to keep them in.
    read = names._faker_names()
    assert len(children) == 1 and read[0] and read[1]
    assert not (tmp_path / "build").exists()
    (tmp_path / "build").mkdir()
    assert names._faker_names() == read and len(children) == 2
    kept = tmp_path / "build" / ".cache" / names.LEXICON_KEPT
    assert kept.is_file()
    children.clear()
    assert names._faker_names() == read and children == []  # from the kept file
    planted = json.loads(kept.read_text())
    left_out = sorted(read[1])[0]
    planted["names"][1].remove(left_out)
    kept.write_text(json.dumps(planted))
    again = names._faker_names()
    assert len(children) == 1 and left_out in again[1] and again == read
