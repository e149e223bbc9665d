"""The store's statements, built without a database: the hot path's prepared statements take
their columns from the tables, and the readable statements say what each principal may read."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from services.billing.models import BillingAccount, BillingOrganisation, BillingTeam
from services.billing.store.access import readable_credit_notes, readable_invoices
from services.billing.store.prepared import TEAM_COLUMNS_LEFT_TO_WITHDRAWAL, hot_statements
from shared.auth import Principal, Role

DIALECTS = {"postgresql": postgresql.dialect(), "sqlite": sqlite.dialect()}


def columns(model: Any) -> set[str]:
    return {c.key for c in model.__table__.c}


def parameters(statement: Any, dialect: str) -> set[str]:
    return set(statement.compile(dialect=DIALECTS[dialect]).params)


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_the_hot_statements_write_every_column_of_their_tables(dialect: str) -> None:
    hot = hot_statements(dialect)
    assert parameters(hot.organisation, dialect) == columns(BillingOrganisation)
    assert parameters(hot.account, dialect) == columns(BillingAccount)
    confirmed = columns(BillingTeam) - TEAM_COLUMNS_LEFT_TO_WITHDRAWAL
    assert parameters(hot.team, dialect) == confirmed
    assert {c.key for c in hot.team_columns} == confirmed
    assert hot_statements(dialect) is hot  # built once per dialect


def where(statement: Any) -> str:
    """The statement's WHERE clause, as SQLite would run it ("" when there is none)."""
    text = " ".join(str(statement.compile(dialect=DIALECTS["sqlite"])).split())
    return text.split(" WHERE ", 1)[1] if " WHERE " in text else ""


@pytest.mark.parametrize("role", [Role.finance, Role.coordinator])
def test_finance_and_coordinators_read_all_of_billing(role: Role) -> None:
    principal = Principal(subject="someone", role=role)
    assert where(readable_invoices(principal)) == ""
    assert where(readable_credit_notes(principal)) == ""


def test_a_project_lead_reads_their_own_organisation_only() -> None:
    own = uuid.uuid4()
    principal = Principal(subject="lead", role=Role.team_lead, organisation_id=own)
    statement = readable_invoices(principal)
    assert where(statement) == "invoice.organisation_id = ?"
    assert statement.compile().params["organisation_id_1"] == own
    assert "credit_note.organisation_id" in where(readable_credit_notes(principal))


@pytest.mark.parametrize("role", [Role.coach, Role.operator, None])
def test_anyone_else_reads_nothing(role: Role | None) -> None:
    principal = Principal(subject="other", role=role, organisation_id=uuid.uuid4())
    assert where(readable_invoices(principal)) in {"false", "0 = 1"}
