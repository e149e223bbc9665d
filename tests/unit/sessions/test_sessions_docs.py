"""Issue 17.10: the automatic draft is documented (the root README and the sessions README), the
documented defaults are the ones the rules use, and every route the docs name exists."""

from __future__ import annotations

import re
from pathlib import Path

from services.sessions.rules import schedule
from tests.security.matrix import openapi_routes

ROOT = Path(__file__).resolve().parents[3]
SERVICE_README = ROOT / "services" / "sessions" / "README.md"
ROOT_README = ROOT / "README.md"
ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth"}
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _when(slot: schedule.Slot) -> tuple[str, str]:
    return f"{ORDINALS[slot.week]} {WEEKDAYS[slot.weekday]}", f"{slot.start:%H:%M}-{slot.end:%H:%M}"


DEFAULTS = {
    "learning session": _when(schedule.LEARNING_SESSION),
    **{kind.replace("_", " "): _when(slot) for kind, slot in schedule.MONTHLY.items()},
}


def test_the_sessions_readme_states_the_defaults_the_rules_use() -> None:
    rows = {
        cells[0]: " ".join(cells[1:])
        for line in SERVICE_README.read_text().splitlines()
        if line.startswith("| ")
        for cells in [[c.strip() for c in line.strip("|").split("|")]]
    }
    for kind, (day, hours) in DEFAULTS.items():
        assert day in rows[kind], kind
        assert hours in rows[kind], kind
    assert str(schedule.LEARNING_SESSIONS) in rows["learning session"]


def test_the_root_readme_says_how_the_programme_is_drafted_and_links_the_details() -> None:
    text = ROOT_README.read_text()
    section = text.split("## How the programme is drafted", 1)[1].split("\n## ", 1)[0]
    section = " ".join(section.split())  # as read, whatever the line breaks
    for day, hours in DEFAULTS.values():
        assert day in section and hours in section
    assert "(services/sessions/README.md)" in section
    assert "draft" in section and "PATCH /api/sessions/cohorts/{id}" in section


def test_every_route_the_docs_name_exists() -> None:
    served = {(m, re.sub(r"\{\w+\}", "{}", p)) for m, p in openapi_routes("sessions")}
    named = set()
    for doc in (SERVICE_README, ROOT_README):
        for method, path in re.findall(
            r"(GET|POST|PATCH|DELETE) (/api/sessions/[\w/{}.-]+)", doc.read_text()
        ):
            named.add((method, re.sub(r"\{\w+\}", "{}", path)))
    assert named, "the docs name no route"
    assert named - served == set()
