"""Billing: the references a customer asks to be quoted on its invoices (e.g. a cost centre),
kept on the team from its confirmation and on each invoice and pro-forma as at issue."""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"

_TABLES = ("billing_team", "invoice", "proforma")


def upgrade() -> None:
    for table in _TABLES:
        op.add_column(table, sa.Column(_column(table), sa.JSON, nullable=True))


def downgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column(_column(table))


def _column(table: str) -> str:
    return "invoice_references" if table == "billing_team" else "customer_references"
