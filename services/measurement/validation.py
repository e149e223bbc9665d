"""Batch rules that need the plan and the teams: every failing row and field is collected.

Pure functions over rows already shaped by `rows.py`; the service supplies the teams it knows
(from enrolment events) and each cohort's plan. A batch is accepted only when this finds nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from services.measurement.measures import MeasureDefinition
from services.measurement.periods import london_midnight, next_period_start, period_start, to_utc
from services.measurement.rows import ResponseRow, RowError, ValueRow


@dataclass(frozen=True, slots=True)
class TeamInfo:
    """What measurement knows of a team, from `enrolment.team.confirmed` / `.withdrawn`, and the
    first London date its data may be for (a baseline may come before the cohort starts)."""

    team_id: uuid.UUID
    organisation_id: uuid.UUID
    cohort_id: uuid.UUID
    cohort_start: date
    withdrawn: bool = False
    data_from: date | None = None  # None: from the cohort's start

    @property
    def first_day(self) -> date:
        return self.cohort_start if self.data_from is None else self.data_from

    def too_early(self) -> str:
        return (
            f"before {self.first_day}, the earliest date accepted for this team "
            f"(its cohort starts {self.cohort_start})"
        )


Plans = Mapping[uuid.UUID, Mapping[str, MeasureDefinition]]  # cohort id -> measure key -> current


def foreign_rows(
    rows: Sequence[ResponseRow | ValueRow],
    *,
    teams: Mapping[uuid.UUID, TeamInfo],
    organisation_id: uuid.UUID,
) -> list[int]:
    """Indexes of rows for a known team of another organisation (the whole batch is refused)."""
    # Keyed by the UUID's integer: hashing a uuid.UUID runs Python code, an int's does not.
    others = {
        team_id.int for team_id, team in teams.items() if team.organisation_id != organisation_id
    }
    if not others:
        return []
    return [index for index, row in enumerate(rows) if row.team_id.int in others]


def _team_and_measure(
    index: int,
    row: ResponseRow | ValueRow,
    *,
    teams: Mapping[uuid.UUID, TeamInfo],
    plans: Plans,
    errors: list[RowError],
) -> tuple[TeamInfo, MeasureDefinition] | tuple[TeamInfo, None] | tuple[None, None]:
    team = teams.get(row.team_id)
    if team is None:
        errors.append(RowError(index, "team_id", "unknown team"))
        return None, None
    if team.withdrawn:
        errors.append(RowError(index, "team_id", "the team has withdrawn"))
        return None, None
    definition = plans.get(team.cohort_id, {}).get(row.measure)
    if definition is None:
        errors.append(RowError(index, "measure", f"unknown measure {row.measure!r}"))
        return team, None
    return team, definition


def validate_responses(
    rows: Sequence[ResponseRow],
    *,
    teams: Mapping[uuid.UUID, TeamInfo],
    plans: Plans,
    now: datetime,
) -> list[RowError]:
    errors: list[RowError] = []
    # Per (team, measure): (team, definition, the instant the cohort starts), resolved once.
    resolved: dict[tuple[int, str], tuple[TeamInfo | None, MeasureDefinition | None]] = {}
    cohort_starts: dict[date, datetime] = {}
    for index, row in enumerate(rows):
        key = (row.team_id.int, row.measure)
        found = resolved.get(key)
        if found is None:
            probe: list[RowError] = []
            found = resolved[key] = _team_and_measure(
                index, row, teams=teams, plans=plans, errors=probe
            )
        team, definition = found
        if team is None or definition is None:
            # Unknown or withdrawn team, or unknown measure: name it on every row it affects.
            _team_and_measure(index, row, teams=teams, plans=plans, errors=errors)
        if definition is not None:
            items = row.items
            if not definition.takes_responses:
                errors.append(
                    RowError(index, "measure", f"{row.measure!r} takes aggregated values")
                )
            else:
                low, high = definition.item_min, definition.item_max
                assert low is not None and high is not None
                if len(items) != definition.item_count:
                    errors.append(
                        RowError(
                            index,
                            "items",
                            f"expected {definition.item_count} items, got {len(items)}",
                        )
                    )
                if min(items) < low or max(items) > high:
                    errors.extend(
                        RowError(index, f"items[{position}]", f"{answer} is outside {low}-{high}")
                        for position, answer in enumerate(items)
                        if not low <= answer <= high
                    )
        moment = row.responded_at
        if moment.tzinfo is None:
            moment = to_utc(moment)
        if moment > now:
            errors.append(RowError(index, "responded_at", "in the future"))
        elif team is not None:
            starts = cohort_starts.get(team.first_day)
            if starts is None:
                starts = cohort_starts[team.first_day] = london_midnight(team.first_day)
            if moment < starts:
                errors.append(RowError(index, "responded_at", team.too_early()))
    return errors


def _value_errors(index: int, row: ValueRow, definition: MeasureDefinition) -> list[RowError]:
    """What is wrong with an aggregated value for its measure's kind."""
    kind = definition.data_kind
    errors: list[RowError] = []
    if definition.takes_responses:
        return [RowError(index, "measure", f"{row.measure!r} takes individual responses")]
    if kind in ("count", "value"):
        errors.extend(
            RowError(index, name, f"a {kind} has only a value")
            for name in ("numerator", "denominator")
            if getattr(row, name) is not None
        )
        if row.value is None:
            errors.append(RowError(index, "value", f"a {kind} needs a value"))
        elif kind == "count":
            if row.value < 0:
                errors.append(RowError(index, "value", "a count is not negative"))
            elif row.value != row.value.to_integral_value():
                errors.append(RowError(index, "value", "a count is a whole number"))
        else:
            low, high = definition.value_min, definition.value_max
            if low is not None and row.value < low:
                errors.append(RowError(index, "value", f"below the measure's minimum {low}"))
            if high is not None and row.value > high:
                errors.append(RowError(index, "value", f"above the measure's maximum {high}"))
        return errors
    if row.value is not None:
        errors.append(RowError(index, "value", f"a {kind} takes numerator/denominator"))
    if row.numerator is None:
        errors.append(RowError(index, "numerator", "required"))
    if row.denominator is None:
        errors.append(RowError(index, "denominator", "required"))
    elif row.denominator == 0:
        errors.append(RowError(index, "denominator", "must not be 0"))
    elif kind == "proportion" and row.numerator is not None and row.numerator > row.denominator:
        errors.append(
            RowError(index, "numerator", "a proportion's numerator exceeds its denominator")
        )
    return errors


def validate_values(
    rows: Sequence[ValueRow],
    *,
    teams: Mapping[uuid.UUID, TeamInfo],
    plans: Plans,
    today: date,
) -> list[RowError]:
    """``today`` is the current date in Europe/London."""
    errors: list[RowError] = []
    for index, row in enumerate(rows):
        team, definition = _team_and_measure(index, row, teams=teams, plans=plans, errors=errors)
        if definition is not None:
            errors.extend(_value_errors(index, row, definition))
            start = period_start(row.period, definition.period)
            if start > today:
                errors.append(RowError(index, "period", "in the future"))
            elif team is not None and next_period_start(start, definition.period) <= team.first_day:
                errors.append(RowError(index, "period", team.too_early()))
        elif team is not None and row.period > today:
            errors.append(RowError(index, "period", "in the future"))
    return errors
