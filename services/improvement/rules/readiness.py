"""Is a team ready to start its coaching months? The lead-in checklist, computed from facts.

A team is ready when every check is met:

1. **Project team formed**: the project lead and the senior sponsor are known (from enrolment),
   at least ``MINIMUM_MEMBERS`` current members (the lead aside) are recorded, one of them the
   data champion, and a clinical team has at least one service user among them.
2. **First meeting held with the coach present**: a project meeting with ``coach_present``.
3. **Aim agreed**: an aim statement exists and was agreed after its last change.
4. **Driver diagram drafted**: the team's diagram exists (started from the change package) and
   names at least one change idea.
5. **Baseline data arriving**: the cohort's measurement plan has measures, and measurement has
   accepted data for this team for every one of them (an empty plan is not a ready plan).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

MINIMUM_MEMBERS = 3

CheckKey = Literal[
    "project_team_formed",
    "first_meeting_with_coach",
    "aim_agreed",
    "driver_diagram_drafted",
    "baseline_data",
]
CHECK_KEYS: tuple[CheckKey, ...] = (
    "project_team_formed",
    "first_meeting_with_coach",
    "aim_agreed",
    "driver_diagram_drafted",
    "baseline_data",
)

CHECK_LABELS: dict[CheckKey, str] = {
    "project_team_formed": "Project team formed",
    "first_meeting_with_coach": "First meeting held with the coach present",
    "aim_agreed": "Aim agreed",
    "driver_diagram_drafted": "Driver diagram drafted",
    "baseline_data": "Baseline data arriving for every measure of the plan",
}


@dataclass(frozen=True)
class TeamFacts:
    clinical: bool
    has_project_lead: bool
    has_senior_sponsor: bool
    members: int
    service_users: int
    data_champions: int
    meetings_with_coach: int
    aim_written: bool
    aim_agreed: bool
    diagram_started: bool
    diagram_change_ideas: int
    plan_measures: Collection[str]
    measures_with_data: Collection[str]


@dataclass(frozen=True)
class Check:
    key: CheckKey
    met: bool
    detail: str


@dataclass(frozen=True)
class Readiness:
    checks: tuple[Check, ...]

    @property
    def ready(self) -> bool:
        return all(c.met for c in self.checks)


def _project_team(f: TeamFacts) -> Check:
    missing = []
    if not f.has_project_lead:
        missing.append("a project lead")
    if not f.has_senior_sponsor:
        missing.append("a senior sponsor (from enrolment)")
    if f.members < MINIMUM_MEMBERS:
        missing.append(f"{MINIMUM_MEMBERS - f.members} more member(s) (at least {MINIMUM_MEMBERS})")
    if f.data_champions < 1:
        missing.append("a data champion")
    if f.clinical and f.service_users < 1:
        missing.append("a service user (clinical teams)")
    if missing:
        return Check("project_team_formed", False, "needs " + ", ".join(missing))
    return Check("project_team_formed", True, f"{f.members} members with a data champion")


def _first_meeting(f: TeamFacts) -> Check:
    if f.meetings_with_coach:
        return Check("first_meeting_with_coach", True, "met with the coach")
    return Check("first_meeting_with_coach", False, "no project meeting with the coach yet")


def _aim(f: TeamFacts) -> Check:
    if not f.aim_written:
        return Check("aim_agreed", False, "no aim statement yet")
    if not f.aim_agreed:
        return Check("aim_agreed", False, "the aim statement is not agreed yet")
    return Check("aim_agreed", True, "aim agreed")


def _diagram(f: TeamFacts) -> Check:
    if not f.diagram_started:
        return Check("driver_diagram_drafted", False, "no driver diagram yet")
    if f.diagram_change_ideas < 1:
        return Check("driver_diagram_drafted", False, "the diagram names no change idea yet")
    return Check("driver_diagram_drafted", True, f"{f.diagram_change_ideas} change idea(s)")


def _baseline(f: TeamFacts) -> Check:
    plan = set(f.plan_measures)
    if not plan:
        return Check("baseline_data", False, "the cohort has no measurement plan yet")
    waiting = sorted(plan - set(f.measures_with_data))
    if waiting:
        return Check("baseline_data", False, "no data yet for " + ", ".join(waiting))
    return Check("baseline_data", True, f"data arriving for all {len(plan)} measures")


def assess(facts: TeamFacts) -> Readiness:
    return Readiness(
        (
            _project_team(facts),
            _first_meeting(facts),
            _aim(facts),
            _diagram(facts),
            _baseline(facts),
        )
    )
