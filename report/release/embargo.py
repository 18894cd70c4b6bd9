"""The launch time of a release, and the embargo it puts on publishing the web edition.

An embargoed launch means the press may hold the report before the launch time but
nothing is public before it. The launch time is given to ``report release --launch`` as
ISO-8601 (with an offset, or without one: then it is a time in London, where the report is
launched) and is printed the way a press release names it, with its time zone:
"Tuesday 1 March 2022, 00:01 GMT".

Where the launch time is kept, so that ``report publish web`` can find it on any machine:

- in the annotated tag ``vVERSION`` (a ``Launch:`` line of its message): the tag is in
  git, so a fresh clone in CI (tags fetched) sees the embargo as well as the machine that
  made the release;
- in ``build/release/VERSION/manifest.json`` (``"launch"``), beside the editions.

:func:`embargo_refusal` reads both; while any recorded launch is still in the future,
publishing the web edition is refused (the site at this commit holds that release's text),
unless the site is a ``--preview`` marked ``noindex``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
LAUNCH_LINE = "Launch: "
RELEASE_DIR = ("build", "release")
_LAUNCH = re.compile(r"^Launch: (\S+)", re.M)


class LaunchTimeError(ValueError):
    """A launch time that cannot be read, or that does not exist on London's clocks."""


def parse_launch(text: str) -> datetime:
    """An ISO-8601 launch time as an aware datetime in London time.

    Without an offset the time is read on London's clocks (GMT in winter, BST in
    summer); a time the clocks skip when they go forward is refused rather than
    guessed, and one they pass twice when they go back is the first (BST).
    """
    value = text.strip()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise LaunchTimeError(f"not an ISO-8601 time: {text!r} "
                              "(e.g. 2022-03-01T00:01 or 2022-03-01T00:01:00+00:00)") from None
    if moment.tzinfo is None:
        local = moment.replace(tzinfo=LONDON)
        if local.astimezone(UTC).astimezone(LONDON).replace(tzinfo=None) != moment:
            raise LaunchTimeError(f"{value} does not exist in London: the clocks go forward "
                                  "that night; give another time or an offset")
        return local
    return moment.astimezone(LONDON)


def describe_launch(moment: datetime) -> str:
    """'Tuesday 1 March 2022, 00:01 GMT': the launch as a press release names it."""
    local = moment.astimezone(LONDON)
    return f"{local:%A} {local.day} {local:%B %Y, %H:%M} {local.tzname()}"


def iso(moment: datetime) -> str:
    """The launch as stored: London time with its offset, to the second."""
    return moment.astimezone(LONDON).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class RecordedLaunch:
    """A release's launch time and where it was recorded (a tag or a bundle manifest)."""

    version: str
    launch: datetime
    source: str


def _tag_launches(root: Path) -> list[RecordedLaunch]:
    """``Launch:`` lines of the annotated ``v*`` tags of the tree's repository."""
    import git  # here, not for the command's --help

    try:
        repo = git.Repo(root, search_parent_directories=True)
        listing = repo.git.for_each_ref("refs/tags/v*",
                                        format="%(refname:strip=2)%00%(contents)%01")
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, git.GitCommandError):
        return []
    found = []
    for record in listing.split("\x01"):
        name, _, message = record.strip("\n").partition("\x00")
        match = _LAUNCH.search(message)
        if not name or not match:
            continue
        try:
            launch = parse_launch(match.group(1))
        except LaunchTimeError:
            continue
        found.append(RecordedLaunch(name.removeprefix("v"), launch, f"tag {name}"))
    return found


def _bundle_launches(root: Path) -> list[RecordedLaunch]:
    """``"launch"`` of every release bundle built in this tree."""
    found = []
    for manifest in sorted(root.joinpath(*RELEASE_DIR).glob("*/manifest.json")):
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
            launch = parse_launch(data["launch"]) if data.get("launch") else None
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if launch is not None:
            version = str(data.get("version") or manifest.parent.name)
            found.append(RecordedLaunch(version, launch, manifest.relative_to(root).as_posix()))
    return found


def recorded_launches(root: Path) -> list[RecordedLaunch]:
    """Every launch time recorded for the tree's releases, from tags and bundles."""
    return _tag_launches(Path(root)) + _bundle_launches(Path(root))


def embargo_refusal(root: Path, now: datetime | None = None) -> str | None:
    """Why the web edition may not be published yet, or None when it may.

    The latest launch still in the future decides: publishing is possible only once
    every recorded launch has passed.
    """
    moment = now or datetime.now(UTC)
    pending = [r for r in recorded_launches(Path(root)) if r.launch > moment]
    if not pending:
        return None
    last = max(pending, key=lambda r: r.launch)
    return (f"the web edition is embargoed until {describe_launch(last.launch)} "
            f"(launch of release {last.version}, recorded in {last.source}); "
            "publish with --preview for a noindex preview before then")
