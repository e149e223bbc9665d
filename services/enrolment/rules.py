"""Pure enrolment rules: no database, no bus, no clock of their own (``now`` is always passed in).

The expression-of-interest deadline in UK time, viability figures, the cohort state machine and
changes to its terms, and withdrawal dates. (What the application form must say and ODS codes:
``eoi_rules``; QI coach allocation: ``allocation``.)
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")


def money(value: Decimal) -> Decimal:
    """Pounds to the penny."""
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def rate(value: Decimal) -> Decimal:
    """A rate as entered (0.10, 0.20, 0.125), whatever scale the database column hands back."""
    value = Decimal(value)
    short = value.quantize(Decimal("0.01"))
    return short if short == value else value.quantize(Decimal("0.0001"))


# --------------------------------------------------------------------------------------------
# UK time
# --------------------------------------------------------------------------------------------


class NonexistentUkTime(ValueError):
    """A wall time skipped when the clocks go forward (e.g. 01:30 on the last Sunday of March)."""


def uk_wall_time_to_utc(value: datetime) -> datetime:
    """A time as entered by a user, in UTC.

    A naive value is Europe/London wall time: GMT in winter, BST (UTC+1) in summer. A wall time
    that happens twice (the hour repeated when the clocks go back) means its first occurrence,
    when the clock first shows it. A wall time that never happens (the hour skipped when the
    clocks go forward) is refused. An aware value is simply converted.
    """
    if value.tzinfo is not None and value.utcoffset() is not None:
        return value.astimezone(UTC)
    local = value.replace(tzinfo=UK, fold=0)
    as_utc = local.astimezone(UTC)
    if as_utc.astimezone(UK).replace(tzinfo=None) != value.replace(fold=0):
        raise NonexistentUkTime(
            f"{value.isoformat()} does not exist in UK time (clocks go forward)"
        )
    return as_utc


def to_uk(value: datetime) -> datetime:
    """A stored (UTC) time as shown to users, in Europe/London."""
    if value.tzinfo is None:  # SQLite hands back naive values; they are UTC by convention.
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UK)


def as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def deadline_passed(deadline: datetime, now: datetime) -> bool:
    """The deadline itself is too late: an EOI at exactly 17:00 for a 17:00 deadline is late."""
    return as_utc(now) >= as_utc(deadline)


def days_to_deadline(deadline: datetime, now: datetime) -> int:
    """Calendar days in the UK from today to the deadline's day; 0 on the day and once passed."""
    days = (to_uk(deadline).date() - to_uk(now).date()).days
    return max(days, 0)


def uk_today(now: datetime) -> date:
    return to_uk(now).date()


def long_date(day: date) -> str:
    """A date as people write it: 4 January 2021."""
    return f"{day.day} {day:%B %Y}"


# --------------------------------------------------------------------------------------------
# Team (EOI) statuses and viability
# --------------------------------------------------------------------------------------------


class TeamStatus(StrEnum):
    SUBMITTED = "submitted"  # an expression of interest awaiting the coordinator
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CONFIRMED = "confirmed"  # on the collaborative (go, or a late joiner)
    WITHDRAWN = "withdrawn"
    RELEASED = "released"  # the cohort was cancelled (no-go)


# Statuses that count as an accepted team for viability.
ACCEPTED_STATUSES = frozenset({TeamStatus.ACCEPTED, TeamStatus.CONFIRMED})
# Statuses of an EOI still in play (counted as "submitted" for viability).
LIVE_STATUSES = frozenset({TeamStatus.SUBMITTED, TeamStatus.ACCEPTED, TeamStatus.CONFIRMED})


@dataclass(frozen=True, slots=True)
class TeamFacts:
    """What viability needs to know about one EOI."""

    status: TeamStatus
    nation: str
    setting: str
    organisation_id: uuid.UUID
    organisation_name: str


@dataclass(frozen=True, slots=True)
class Tally:
    submitted: int = 0
    accepted: int = 0


@dataclass(frozen=True, slots=True)
class OrganisationTally:
    organisation_id: uuid.UUID
    name: str
    submitted: int
    accepted: int


@dataclass(frozen=True, slots=True)
class Viability:
    minimum_teams: int
    submitted: int  # live EOIs: submitted, accepted or confirmed
    accepted: int  # accepted or confirmed
    declined: int
    withdrawn: int
    shortfall: int  # accepted teams still needed to reach the minimum
    viable: bool
    deadline_passed: bool
    days_to_deadline: int
    by_nation: dict[str, Tally]
    by_setting: dict[str, Tally]
    by_organisation: list[OrganisationTally]


def viability(
    teams: Iterable[TeamFacts], *, minimum_teams: int, deadline: datetime, now: datetime
) -> Viability:
    teams = list(teams)
    submitted: Counter[str] = Counter()
    accepted: Counter[str] = Counter()
    by_nation: dict[str, list[int]] = {}
    by_setting: dict[str, list[int]] = {}
    by_org: dict[uuid.UUID, list[int]] = {}
    org_names: dict[uuid.UUID, str] = {}
    declined = sum(1 for t in teams if t.status == TeamStatus.DECLINED)
    withdrawn = sum(1 for t in teams if t.status == TeamStatus.WITHDRAWN)
    for team in teams:
        if team.status not in LIVE_STATUSES:
            continue
        is_accepted = team.status in ACCEPTED_STATUSES
        submitted["all"] += 1
        accepted["all"] += int(is_accepted)
        for bucket, key in ((by_nation, team.nation), (by_setting, team.setting)):
            counts = bucket.setdefault(key, [0, 0])
            counts[0] += 1
            counts[1] += int(is_accepted)
        counts = by_org.setdefault(team.organisation_id, [0, 0])
        counts[0] += 1
        counts[1] += int(is_accepted)
        org_names[team.organisation_id] = team.organisation_name
    n_accepted = accepted["all"]
    return Viability(
        minimum_teams=minimum_teams,
        submitted=submitted["all"],
        accepted=n_accepted,
        declined=declined,
        withdrawn=withdrawn,
        shortfall=max(minimum_teams - n_accepted, 0),
        viable=n_accepted >= minimum_teams,
        deadline_passed=deadline_passed(deadline, now),
        days_to_deadline=days_to_deadline(deadline, now),
        by_nation={k: Tally(*v) for k, v in sorted(by_nation.items())},
        by_setting={k: Tally(*v) for k, v in sorted(by_setting.items())},
        by_organisation=sorted(
            (OrganisationTally(oid, org_names[oid], s, a) for oid, (s, a) in by_org.items()),
            key=lambda o: (-o.submitted, o.name, str(o.organisation_id)),
        ),
    )


# --------------------------------------------------------------------------------------------
# The cohort state machine
# --------------------------------------------------------------------------------------------


class CohortStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


class Decision(StrEnum):
    GO = "go"
    NO_GO = "no_go"


class TransitionRefused(Exception):
    """A change the cohort's state does not allow; ``code`` names the problem type."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def effective_status(status: CohortStatus, *, deadline: datetime, now: datetime) -> CohortStatus:
    """An open cohort whose deadline has passed is closed, whether or not anyone closed it yet."""
    if status == CohortStatus.OPEN and deadline_passed(deadline, now):
        return CohortStatus.CLOSED
    return status


def check_close(status: CohortStatus) -> CohortStatus:
    """Coordinators may close a cohort early or once its deadline passed; twice is a no-op."""
    if status in (CohortStatus.OPEN, CohortStatus.CLOSED):
        return CohortStatus.CLOSED
    raise TransitionRefused("cohort-decided", f"the cohort is already {status.value}")


@dataclass(frozen=True, slots=True)
class DecisionOutcome:
    new_status: CohortStatus
    # False when the same decision was already taken: nothing changes and nothing is recorded.
    changes: bool


def check_decision(
    status: CohortStatus,
    decision: Decision,
    *,
    accepted: int,
    minimum_teams: int,
    override_reason: str | None,
    deadline: datetime,
    now: datetime,
) -> DecisionOutcome:
    """Go or no-go. Go needs accepted ≥ minimum unless a reason for the override is given.

    The decision is taken after the deadline (or after an early close). Taking the same decision
    again is harmless (idempotent); reversing a decision is refused.
    """
    target = CohortStatus.CONFIRMED if decision == Decision.GO else CohortStatus.CANCELLED
    if status == target:
        return DecisionOutcome(target, changes=False)
    if status in (CohortStatus.CONFIRMED, CohortStatus.CANCELLED):
        raise TransitionRefused("cohort-decided", f"the cohort is already {status.value}")
    if effective_status(status, deadline=deadline, now=now) != CohortStatus.CLOSED:
        raise TransitionRefused(
            "cohort-still-open",
            "the expression-of-interest deadline has not passed: close the cohort first",
        )
    if (
        decision == Decision.GO
        and accepted < minimum_teams
        and not (override_reason and override_reason.strip())
    ):
        raise TransitionRefused(
            "cohort-not-viable",
            f"{accepted} accepted teams, {minimum_teams} needed: "
            "give an override reason to go ahead anyway",
        )
    return DecisionOutcome(target, changes=True)


def check_eoi_window(
    status: CohortStatus, *, deadline: datetime, now: datetime, late_entry: bool
) -> None:
    """Whether an EOI may be submitted now. Late entries (coordinators only) pass a passed deadline
    and a closed or confirmed cohort (a late joiner), never a cancelled one."""
    if status == CohortStatus.CANCELLED:
        raise TransitionRefused("cohort-cancelled", "the cohort was cancelled")
    if late_entry:
        return
    if status != CohortStatus.OPEN or deadline_passed(deadline, now):
        raise TransitionRefused(
            "eoi-deadline-passed",
            f"expressions of interest closed at {to_uk(deadline):%H:%M on %d %B %Y} (UK time)",
        )


def deadline_before_start(deadline: datetime, start_date: date) -> bool:
    """The deadline falls on a UK day before the cohort starts: the go decision and the teams'
    confirmation come between the two."""
    return to_uk(deadline).date() < start_date


# --------------------------------------------------------------------------------------------
# Changing an opened cohort's terms
# --------------------------------------------------------------------------------------------

# The terms a coordinator may change after opening, in the order they are reported.
CHANGEABLE_TERMS = (
    "minimum_teams",
    "eoi_deadline",
    "withdrawal_credit_cutoff",
    "fee_per_team",
    "multi_team_discount",
    "vat_rate",
)
PRICE_TERMS = frozenset({"fee_per_team", "multi_team_discount", "vat_rate"})


class InvalidTerms(ValueError):
    """A new value the cohort cannot take (a 422 on ``field``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class CohortFacts:
    """What a change of terms is judged against."""

    status: CohortStatus  # as it shows now (an open cohort past its deadline is closed)
    deadline: datetime
    start_date: date
    # A team was confirmed (billing invoices every confirmed team) or billing reported an
    # invoice or a pro-forma for the cohort: the price is fixed.
    priced: bool


def check_terms_change(
    cohort: CohortFacts, changed: Iterable[str], *, new_deadline: datetime | None, now: datetime
) -> None:
    """Whether the cohort may take these changes (``changed``: the fields whose value moves).

    Raises :class:`TransitionRefused` (409) when its state forbids one, :class:`InvalidTerms`
    (422) when a new value is impossible."""
    changed = set(changed)
    if cohort.status == CohortStatus.CANCELLED:
        raise TransitionRefused("cohort-cancelled", "the cohort was cancelled")
    if "minimum_teams" in changed and cohort.status == CohortStatus.CONFIRMED:
        raise TransitionRefused(
            "cohort-decided", "the cohort is confirmed: its minimum no longer applies"
        )
    if "eoi_deadline" in changed:
        if cohort.status != CohortStatus.OPEN:
            raise TransitionRefused(
                "eoi-deadline-passed",
                "the deadline has passed (or the cohort was closed): it can no longer move",
            )
        assert new_deadline is not None
        if deadline_passed(new_deadline, now):
            raise InvalidTerms("eoi_deadline", "the new deadline must be in the future")
        if not deadline_before_start(new_deadline, cohort.start_date):
            raise InvalidTerms(
                "eoi_deadline",
                f"the deadline must fall before the cohort starts on {long_date(cohort.start_date)}",
            )
    prices = sorted(changed & PRICE_TERMS)
    if prices and cohort.priced:
        raise TransitionRefused(
            "cohort-invoiced",
            f"{', '.join(prices)}: the price is fixed once the cohort's teams are confirmed or "
            "invoiced",
        )


# --------------------------------------------------------------------------------------------
# Withdrawal dates
# --------------------------------------------------------------------------------------------


class WithdrawalDateRefused(ValueError):
    """A withdrawal date the caller may not give (``forbidden``: 403) or that cannot be (422)."""

    def __init__(self, message: str, *, forbidden: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.forbidden = forbidden


def withdrawal_date(
    chosen: date | None, *, today: date, earliest: date, since: str, may_backdate: bool
) -> date:
    """The date a withdrawal takes effect: today (UK) unless a coordinator chooses another,
    which can never lie in the future nor precede ``earliest`` (the day the team was ``since``:
    confirmed, or submitted for a team not yet confirmed)."""
    if chosen is None or chosen == today:
        return today
    if not may_backdate:
        raise WithdrawalDateRefused(
            "only a coordinator may give a withdrawal date other than today", forbidden=True
        )
    if chosen > today:
        raise WithdrawalDateRefused("a withdrawal cannot take effect in the future")
    if chosen < earliest:
        raise WithdrawalDateRefused(
            f"the team was {since} on {long_date(earliest)}: a withdrawal cannot precede that"
        )
    return chosen


_TEAM_DECISIONS: dict[str, frozenset[TeamStatus]] = {
    # Accepting or declining is reversible until the team is confirmed.
    "accept": frozenset({TeamStatus.SUBMITTED, TeamStatus.DECLINED}),
    "decline": frozenset({TeamStatus.SUBMITTED, TeamStatus.ACCEPTED}),
    "withdraw": frozenset({TeamStatus.SUBMITTED, TeamStatus.ACCEPTED, TeamStatus.CONFIRMED}),
    "confirm": frozenset({TeamStatus.SUBMITTED, TeamStatus.ACCEPTED}),
}


def check_team_action(action: str, status: TeamStatus, cohort_status: CohortStatus) -> bool:
    """Whether ``action`` changes the team. Returns False when it is already done (idempotent)."""
    done = {
        "accept": TeamStatus.ACCEPTED,
        "decline": TeamStatus.DECLINED,
        "withdraw": TeamStatus.WITHDRAWN,
        "confirm": TeamStatus.CONFIRMED,
    }[action]
    if status == done:
        return False
    if cohort_status == CohortStatus.CANCELLED:
        raise TransitionRefused("cohort-cancelled", "the cohort was cancelled")
    if action in ("accept", "decline") and cohort_status == CohortStatus.CONFIRMED:
        raise TransitionRefused(
            "cohort-decided", "the cohort is confirmed: confirm the team as a late joiner instead"
        )
    if action == "confirm" and cohort_status != CohortStatus.CONFIRMED:
        raise TransitionRefused(
            "cohort-not-confirmed",
            "teams are confirmed by the go decision; late joiners once the cohort is confirmed",
        )
    if status not in _TEAM_DECISIONS[action]:
        raise TransitionRefused("team-state", f"a {status.value} team cannot be {done.value}")
    return True
