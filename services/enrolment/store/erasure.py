"""The rows that may hold a person's e-mail address, found for an erasure (matched loosely in
SQL, then exactly by the caller), and the outbox rows that the erasure rewrites."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Text, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.enrolment.models import Coach, CohortChange, Organisation, Team


def _mentions(column: Any, email: str) -> ColumnElement[bool]:
    """The column's text (JSON as text) contains the address, whatever its case."""
    return func.lower(cast(column, Text)).contains(email, autoescape=True)


async def teams_mentioning(session: AsyncSession, email: str) -> Sequence[Team]:
    """Teams whose project lead or senior sponsor may have the address, or that the person
    submitted or withdrew (when their sign-in subject is the address)."""
    query = select(Team).where(
        or_(
            _mentions(Team.project_lead, email),
            _mentions(Team.senior_sponsor, email),
            func.lower(Team.submitted_by) == email,
            func.lower(Team.withdrawn_by) == email,
            func.lower(Team.withdrawal_date_chosen_by) == email,
        )
    )
    return (await session.scalars(query.with_for_update(of=Team))).all()


async def coaches_with_email(session: AsyncSession, email: str) -> Sequence[Coach]:
    query = select(Coach).where(func.lower(Coach.email) == email).with_for_update()
    return (await session.scalars(query)).all()


async def organisations_paying_to(session: AsyncSession, email: str) -> list[Organisation]:
    """Organisations whose accounts-payable contact is the address."""
    query = select(Organisation).where(_mentions(Organisation.accounts_payable, email))
    found = (await session.scalars(query.with_for_update())).all()
    return [
        o
        for o in found
        if str((o.accounts_payable or {}).get("email", "")).strip().lower() == email
    ]


async def cohort_changes_by(session: AsyncSession, email: str) -> Sequence[CohortChange]:
    query = select(CohortChange).where(func.lower(CohortChange.changed_by) == email)
    return (await session.scalars(query)).all()
