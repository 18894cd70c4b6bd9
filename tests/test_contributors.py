"""Contributors from consent records: who is listed, in which form and order, and how bad
records are reported (issue 5)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from report.cli import main
from report.errors import InputError
from report.manuscript.contributors import (
    MODELINE,
    SCHEMA_PATH,
    Contributor,
    contributors_markdown,
    load_contributors,
    sort_key,
    split_name,
)
from report.manuscript.contributors_file import parse_contributors

TREE = Path(__file__).resolve().parent / "trees" / "consent"
PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "consent"
    shutil.copytree(TREE, root)
    return root


def run(root: Path, *args: str):
    return CliRunner().invoke(main, ["--root", str(root), "contributors", *args])


def write_records(root: Path, body: str) -> None:
    (root / "contributors.yaml").write_text(textwrap.dedent(body).lstrip(), encoding="utf-8")


# ------------------------------------------------------------------- the acceptance


def test_json_lists_exactly_the_consented_people_in_form_and_order(tree: Path) -> None:
    result = run(tree, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {"id": "alex", "display_name": "Alex Example", "affiliation": "Example University",
         "roles": ["author"]},
        # Conference delegates: by surname, accents ignored (Ångström under A), particles
        # ignored (van Dijk under D, before Doe), affiliation-only entries after people.
        {"id": "elodie", "display_name": "Élodie Ångström",
         "affiliation": "Example Health Trust", "roles": ["conference-delegate"]},
        {"id": "marta", "display_name": "Marta van Dijk", "affiliation": "Example Police",
         "roles": ["conference-delegate", "consultation-reviewer"]},
        {"id": "jdoe", "display_name": "Jane Doe", "affiliation": None,
         "roles": ["conference-delegate"]},
        {"id": "ssample", "display_name": "Example Borough Council", "affiliation": None,
         "roles": ["conference-delegate"]},
        {"id": "zoe", "display_name": "Zoë Zimmerman", "affiliation": None,
         "roles": ["call-for-evidence-respondent"]},
        {"id": "youth-network", "display_name": "Example Youth Network", "affiliation": None,
         "roles": ["call-for-evidence-respondent"]},
        {"id": "robin", "display_name": "Robin", "affiliation": None,
         "roles": ["survivor-adviser"]},
        {"id": "example-trust", "display_name": "The Example Trust", "affiliation": None,
         "roles": ["organisation"]},
    ]
    # Declined, never answered and withdrawn people appear nowhere, nor does the name of
    # someone who consented to their affiliation only.
    for name in ("Chris Declined", "Nat Noanswer", "Wren Withdrawn", "Sam Sample"):
        assert name not in result.stdout


def test_markdown_is_the_printed_list_with_bold_group_titles(tree: Path) -> None:
    result = run(tree)
    assert result.exit_code == 0
    assert result.stdout == textwrap.dedent("""\
        **Authors and editors**

        - Alex Example, Example University

        **Conference delegates**

        - Élodie Ångström, Example Health Trust
        - Marta van Dijk, Example Police
        - Jane Doe
        - Example Borough Council

        **Call for evidence respondents**

        - Zoë Zimmerman
        - Example Youth Network

        **Survivor advisers and youth advisory board**

        - Robin

        **Organisations**

        - The Example Trust

        and 3 others who took part.
        """)
    assert contributors_markdown(tree) == result.stdout
    assert "###" not in result.stdout


def test_others_line_only_when_the_manifest_asks(tree: Path) -> None:
    manifest = tree / "mkdocs.yml"
    manifest.write_text(manifest.read_text().replace("contributors_others: true",
                                                     "contributors_others: false"))
    assert "others" not in run(tree).stdout


def test_organisations_first_when_the_manifest_says_so(tree: Path) -> None:
    manifest = tree / "mkdocs.yml"
    manifest.write_text(manifest.read_text() + "  contributors_organisations: first\n")
    ids = [e["id"] for e in json.loads(run(tree, "--format", "json").stdout)]
    assert ids == ["example-trust", "alex", "ssample", "elodie", "marta", "jdoe",
                   "youth-network", "zoe", "robin"]


def test_csv_is_the_whole_consent_register(tree: Path) -> None:
    result = run(tree, "--format", "csv")
    assert result.exit_code == 0
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(result.stdout))}
    assert len(rows) == 12
    assert {k: rows[k]["status"] for k in ("alex", "cdeclined", "nnoanswer", "wwithdrawn")} == {
        "alex": "listed", "cdeclined": "declined", "nnoanswer": "no-record",
        "wwithdrawn": "withdrawn"}
    assert rows["wwithdrawn"]["withdrawn"] == "2022-01-15"
    assert rows["ssample"]["show"] == "affiliation"
    assert rows["marta"]["roles"] == "conference-delegate; consultation-reviewer"
    assert list(rows["alex"]) == ["id", "name", "affiliation", "roles", "listed", "show",
                                  "given", "method", "wording", "recorded_by", "withdrawn",
                                  "status"]


def test_csv_cells_cannot_run_as_formulas(tree: Path) -> None:
    write_records(tree, """
        contributors:
          - id: f
            name: "=HYPERLINK(1)"
            roles: [author]
    """)
    row = next(csv.DictReader(io.StringIO(run(tree, "--format", "csv").stdout)))
    assert row["name"] == "'=HYPERLINK(1)"


def test_output_file_is_written(tree: Path) -> None:
    target = tree / "out" / "register.csv"
    assert run(tree, "--format", "csv", "-o", str(target)).exit_code == 0
    assert target.read_text().startswith("id,name,")


def test_missing_file_means_no_contributors(tree: Path) -> None:
    (tree / "contributors.yaml").unlink()
    assert json.loads(run(tree, "--format", "json").stdout) == []
    assert run(tree).stdout == ""


# ----------------------------------------------------------------- consent rules


def test_consent_states() -> None:
    records = parse_contributors(textwrap.dedent("""
        contributors:
          - {id: a, name: A B, roles: [author]}
          - {id: b, name: B C, roles: [author], consent: {listed: false}}
          - id: c
            name: C D
            roles: [author]
            consent: {listed: true, show: name, given: 2021-01-01, withdrawn: 2021-02-01}
          - id: d
            name: D E
            roles: [author]
            consent: {listed: false, given: 2021-01-01, withdrawn: 2021-02-01}
          - {id: e, name: E F, roles: [author],
             consent: {listed: true, show: name, given: 2021-01-01}}
    """))
    assert [(c.id, c.status, c.is_listed) for c in records] == [
        ("a", "no-record", False), ("b", "declined", False), ("c", "withdrawn", False),
        ("d", "withdrawn", False), ("e", "listed", True)]


@pytest.mark.parametrize(("name", "given", "particles", "surname"), [
    ("Jane Doe", ("Jane",), (), "Doe"),
    ("Ludwig van Beethoven", ("Ludwig",), ("van",), "Beethoven"),
    ("Anna van der Berg", ("Anna",), ("van", "der"), "Berg"),
    ("Dame Sara Thornton", ("Sara",), (), "Thornton"),
    ("Jane Mary Doe OBE", ("Jane", "Mary"), (), "Doe"),
    ("Kestrel", (), (), "Kestrel"),
    ("Van Morrison", ("Van",), (), "Morrison"),
])
def test_name_parts(name: str, given: tuple, particles: tuple, surname: str) -> None:
    parts = split_name(name)
    assert (parts.given, parts.particles, parts.surname) == (given, particles, surname)


def test_sorting_as_a_british_publisher_would() -> None:
    def person(cid: str, name: str, sort_as: str | None = None) -> Contributor:
        return Contributor(id=cid, name=name, roles=("author",), sort_as=sort_as)

    people = [person("1", "Zed Adams"), person("2", "Ludwig van Beethoven"),
              person("3", "Ana Álvarez"), person("4", "bob baker"),
              person("5", "Xavier Quux", sort_as="Aardvark, X"),
              person("6", "Ann Adams"), person("7", "Mary O'Brien")]
    ordered = [c.name for c in sorted(people, key=sort_key)]
    assert ordered == ["Xavier Quux", "Ann Adams", "Zed Adams", "Ana Álvarez", "bob baker",
                       "Ludwig van Beethoven", "Mary O'Brien"]


def test_a_person_is_listed_once_in_their_first_group(tree: Path) -> None:
    write_records(tree, """
        contributors:
          - id: multi
            name: Multi Role
            roles: [conference-delegate, author, consultation-reviewer]
            consent: {listed: true, show: name, given: 2021-01-01}
    """)
    assert run(tree).stdout == "**Authors and editors**\n\n- Multi Role\n"


def test_markdown_special_characters_are_printed_not_interpreted(tree: Path) -> None:
    write_records(tree, """
        contributors:
          - id: odd
            name: "Sam *Star* [Smith]"
            affiliation: "@home_network"
            roles: [author]
            consent: {listed: true, show: name-and-affiliation, given: 2021-01-01}
    """)
    assert r"- Sam \*Star\* \[Smith\], \@home\_network" in run(tree).stdout


def test_same_affiliation_shown_once_per_group(tree: Path) -> None:
    write_records(tree, """
        contributors:
          - {id: a, name: A One, affiliation: Example Council, roles: [conference-delegate],
             consent: {listed: true, show: affiliation, given: 2021-01-01}}
          - {id: b, name: B Two, affiliation: Example Council, roles: [conference-delegate],
             consent: {listed: true, show: affiliation, given: 2021-01-01}}
    """)
    assert run(tree).stdout.count("Example Council") == 1


# ------------------------------------------------------------------- bad records


def errors(root: Path) -> list[str]:
    result = run(root, "--format", "json")
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    return result.stderr.splitlines()


def test_malformed_records_give_path_line_message_and_exit_2(tree: Path) -> None:
    write_records(tree, """
        contributors:
          - id: nodate
            name: No Date
            roles: [conference-delegate]
            consent:
              listed: true
              show: name
          - id: badrole
            name: Bad Role
            roles: [author, keynote]
          - id: nodate
            name: Second Record
            roles: [author]
    """)
    assert errors(tree) == [
        "contributors.yaml:5: contributor 'nodate': consent.given is required where listed "
        "is true (the date consent was given)",
        "contributors.yaml:10: contributor 'badrole': unknown role 'keynote'; use one of: "
        "author, editor, commissioner, partner, steering-committee, conference-delegate, "
        "speaker, call-for-evidence-respondent, consultation-reviewer, survivor-adviser, "
        "youth-advisory-board, research-associate, organisation",
        "contributors.yaml:11: duplicate id 'nodate' (first at line 2)",
    ]


def test_bad_yaml_gives_its_line(tree: Path) -> None:
    write_records(tree, """
        contributors:
          - id: a
            name: A
            roles: [author
          - id: b
    """)
    [line] = errors(tree)
    assert line.startswith("contributors.yaml:5: malformed YAML")


def test_impossible_date_gives_its_line(tree: Path) -> None:
    write_records(tree, """
        contributors:
          - id: a
            name: A
            roles: [author]
            consent: {listed: true, show: name, given: 2021-13-45}
    """)
    assert errors(tree) == [
        "contributors.yaml:5: not a real date: 2021-13-45 (month must be in 1..12)"]


@pytest.mark.parametrize(("consent", "line", "message"), [
    ("{listed: true, show: name, given: 2021-11-02, withdrawn: 2021-10-01}", 5,
     "consent.withdrawn (2021-10-01) is before consent.given (2021-11-02)"),
    ("{listed: true, show: name, given: '2 November 2021'}", 5,
     "consent.given must be an ISO date (YYYY-MM-DD), not '2 November 2021'"),
    ("{listed: true, given: 2021-11-02}", 5, "consent.show is required where listed is true"),
    ("{listed: true, show: everything, given: 2021-11-02}", 5,
     "consent.show must be one of name-and-affiliation | name | affiliation"),
    ("{listed: true, show: affiliation, given: 2021-11-02}", 5,
     "consent.show is affiliation but the record has no affiliation"),
    ("{listed: true, show: name, given: 2021-11-02, withdrawl: 2022-01-01}", 5,
     "unknown field 'withdrawl' in consent"),
    ("{listed: 'yes please', show: name, given: 2021-11-02}", 5,
     "consent.listed must be true or false"),
])
def test_consent_rules(tree: Path, consent: str, line: int, message: str) -> None:
    write_records(tree, f"""
        contributors:
          - id: a
            name: A Person
            roles: [author]
            consent: {consent}
    """)
    [error] = errors(tree)
    assert error.startswith(f"contributors.yaml:{line}: contributor 'a': {message}")


def test_a_key_written_twice_is_an_error(tree: Path) -> None:
    write_records(tree, """
        contributors:
          - id: a
            name: A Person
            roles: [author]
            consent:
              listed: true
              show: name
              given: 2021-11-02
              withdrawn: 2022-01-01
              withdrawn:
    """)
    assert any(e.startswith("contributors.yaml:10: key 'withdrawn' is written twice")
               for e in errors(tree))


def test_every_problem_is_reported_at_once(tree: Path) -> None:
    write_records(tree, """
        contributors:
          - {id: a, name: A, roles: [speeker]}
          - {name: B, roles: [author]}
          - {id: a b, name: C, roles: author}
    """)
    lines = errors(tree)
    assert [line.split(":")[1] for line in lines] == ["2", "3", "4", "4"]


def test_not_a_list_of_records(tree: Path) -> None:
    write_records(tree, "- id: a\n")
    assert errors(tree) == [
        "contributors.yaml:1: expected a mapping with 'contributors:' followed by a list "
        "of records"]


def test_bad_manifest_option(tree: Path) -> None:
    manifest = tree / "mkdocs.yml"
    manifest.write_text(manifest.read_text() + "  contributors_organisations: middle\n")
    [error] = errors(tree)
    assert error.startswith("mkdocs.yml:10: extra.contributors_organisations")


def test_load_raises_input_error_with_all_problems(tree: Path) -> None:
    write_records(tree, """
        contributors:
          - {id: a, name: A, roles: [x]}
          - {id: a, name: B, roles: [y]}
    """)
    with pytest.raises(InputError) as caught:
        load_contributors(tree)
    assert len(caught.value.problems) == 3


# --------------------------------------------------------------- schema and bundle


def test_schema_is_valid_draft_2020_12() -> None:
    schema = json.loads(SCHEMA_PATH.read_text())
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_bundled_file_is_valid_and_lists_no_fictional_name_it_must_not() -> None:
    text = (PROJECT / "contributors.yaml").read_text(encoding="utf-8")
    assert text.splitlines()[0] == MODELINE
    register = load_contributors(PROJECT)
    listed = {c.id for c in register if c.is_listed}
    assert {"iasc-commissioner", "research-associate", "cumberland-lodge",
            "iasc-office"} <= listed
    statuses = {c.status for c in register}
    assert statuses == {"listed", "declined", "withdrawn", "no-record"}
    printed = contributors_markdown(PROJECT)
    assert "Dame Sara Thornton, Independent Anti-Slavery Commissioner" in printed
    for hidden in ("Chris Specimen", "Morgan Dummy", "Taylor Testcase", "Jo Placeholder"):
        assert hidden not in printed


# ------------------------------------------------------------- the kept reading


def test_a_kept_reading_is_used_only_for_the_same_text(tree: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The register is validated once for all processes while its text and the toolkit
    are the same (``build/.cache/contributors.json``); a consent withdrawn is a new text,
    read afresh; a damaged entry or one of another shape is a miss; a register with a
    problem is refused every time, never kept."""
    from report.manuscript import contributors, contributors_file, contributors_kept

    parsed: list[str] = []

    def counted(text: str, *args) -> list[Contributor]:
        parsed.append(text)
        return parse_contributors(text, *args)

    monkeypatch.setattr(contributors_file, "parse_contributors", counted)

    def fresh_process() -> tuple[Contributor, ...]:
        contributors._read_records.cache_clear()  # what a new process starts without
        contributors._KEPT.clear()
        return tuple(load_contributors(tree))

    first = fresh_process()
    assert len(parsed) == 1 and not (tree / "build").exists()  # no build/: nothing kept
    (tree / "build").mkdir()
    kept_path = tree / "build" / ".cache" / contributors_kept.KEPT_NAME
    assert tuple(load_contributors(tree)) == first and len(parsed) == 1  # the same process
    assert kept_path.is_file()  # keeps it once there is a build/
    assert fresh_process() == first and len(parsed) == 1  # the kept reading, equal

    register = tree / "contributors.yaml"
    text = register.read_text(encoding="utf-8")
    opted_out = text.replace("      show: name\n      given: 2021-11-02",
                             "      show: name\n      given: 2021-11-02\n"
                             "      withdrawn: 2022-01-05", 1)
    assert opted_out != text
    register.write_text(opted_out, encoding="utf-8")
    withdrawn = fresh_process()
    assert len(parsed) == 2
    assert {c.id: c.status for c in withdrawn}["jdoe"] == "withdrawn"
    assert {c.id: c.status for c in first}["jdoe"] == "listed"

    data = json.loads(kept_path.read_text(encoding="utf-8"))
    data["records"][0]["unknown"] = 1  # a shape it did not write: a miss
    kept_path.write_text(json.dumps(data), encoding="utf-8")
    assert fresh_process() == withdrawn and len(parsed) == 3
    kept_path.write_text('{"key": ', encoding="utf-8")  # damaged: a miss
    assert fresh_process() == withdrawn and len(parsed) == 4

    register.write_text(opted_out.replace("id: jdoe", "id: alex"), encoding="utf-8")
    for _ in range(2):  # a duplicate id: refused each time, nothing kept for it
        with pytest.raises(InputError):
            fresh_process()
    assert len(parsed) == 6


def test_a_kept_register_without_this_users_seal_is_read_afresh(tree: Path) -> None:
    """A register planted in ``build/.cache`` (its key is public: the file's text and the
    toolkit) that lists a contributor who withdrew is not taken: without this user's seal
    it is a miss, and the register is read afresh. The same records with the seal would
    be taken, so the seal is the check."""
    from report.manuscript import contributors, contributors_kept
    from report.seal import seal

    def fresh_process() -> dict[str, str]:
        contributors._read_records.cache_clear()
        contributors._KEPT.clear()
        return {c.id: c.status for c in load_contributors(tree)}

    register = tree / "contributors.yaml"
    register.write_text(register.read_text(encoding="utf-8").replace(
        "      show: name\n      given: 2021-11-02", "      show: name\n      given: 2021-11-02"
        "\n      withdrawn: 2022-01-05", 1), encoding="utf-8")
    (tree / "build").mkdir()
    assert fresh_process()["jdoe"] == "withdrawn"
    kept_path = tree / "build" / ".cache" / contributors_kept.KEPT_NAME
    data = json.loads(kept_path.read_text(encoding="utf-8"))
    for record in data["records"]:
        if record["id"] == "jdoe":
            record["consent"]["withdrawn"] = None  # planted: listed again
    kept_path.write_text(json.dumps(data), encoding="utf-8")  # the old seal: wrong
    assert fresh_process()["jdoe"] == "withdrawn"
    data["seal"] = seal(contributors_kept.SEAL_KIND,
                        contributors_kept._sealed_part(data["key"], data["records"]))
    kept_path.write_text(json.dumps(data), encoding="utf-8")
    assert fresh_process()["jdoe"] == "listed"  # sealed: taken (the forgery would work)
