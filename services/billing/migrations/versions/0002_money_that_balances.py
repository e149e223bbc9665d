"""Billing: credit that is used (applied, allocated, refunded), refunds, pro-forma revisions,
accounts-payable contacts, list price and discount lines, withdrawal dates on credit notes, and
the answers replayed for an Idempotency-Key.

Existing credit notes are backfilled as the old figures treated them: each applied to its own
invoice, in issue order, as far as the invoice still owed anything after its payments.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"

_AP_COLUMNS = (
    ("accounts_payable_email", sa.String(length=320)),
    ("accounts_payable_name", sa.String(length=200)),
    ("accounts_payable_address", sa.JSON()),
    ("accounts_payable_postcode", sa.String(length=12)),
)
_DOCUMENTS = ("invoice", "proforma", "credit_note")
_LISTED = ("invoice", "proforma")


def _money(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.BigInteger(), nullable=False, server_default="0")


def upgrade() -> None:
    for table in ("billing_organisation", *_DOCUMENTS):
        with op.batch_alter_table(table) as batch:
            for name, type_ in _AP_COLUMNS:
                batch.add_column(sa.Column(name, type_, nullable=True))
    with op.batch_alter_table("billing_team") as batch:
        batch.add_column(sa.Column("withdrawn_by", sa.String(length=200), nullable=True))
        batch.add_column(
            sa.Column("withdrawal_date_chosen_by", sa.String(length=200), nullable=True)
        )
    for table in _LISTED:
        with op.batch_alter_table(table) as batch:
            if table in _LISTED:
                batch.add_column(sa.Column("list_price", sa.BigInteger(), nullable=True))
                batch.add_column(sa.Column("discount", sa.BigInteger(), nullable=True))
                batch.add_column(sa.Column("discount_rate", sa.String(length=20), nullable=True))
    with op.batch_alter_table("invoice") as batch:
        batch.add_column(_money("credit_applied"))
    with op.batch_alter_table("proforma") as batch:
        batch.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("superseded_by", sa.Uuid(), nullable=True))
        batch.drop_constraint(op.f("uq_proforma_team_id"), type_="unique")
        batch.create_unique_constraint(
            op.f("uq_proforma_team_id_revision"), ["team_id", "revision"]
        )
        batch.create_index(op.f("ix_proforma_team_id"), ["team_id"], unique=False)
    with op.batch_alter_table("credit_note") as batch:
        for name in ("applied", "allocated", "refunded"):
            batch.add_column(_money(name))
        batch.add_column(sa.Column("withdrawn_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("credited_as_of", sa.Date(), nullable=True))
        batch.add_column(sa.Column("withdrawn_by", sa.String(length=200), nullable=True))
        batch.add_column(
            sa.Column("withdrawal_date_chosen_by", sa.String(length=200), nullable=True)
        )
    with op.batch_alter_table("payment") as batch:
        batch.add_column(sa.Column("answer", sa.Text(), nullable=True))
    _backfill_applied_credit()

    for table, target, date_column, extra in (
        (
            "credit_allocation",
            sa.Column("invoice_id", sa.Uuid(), nullable=False),
            sa.Column("allocated_on", sa.Date(), nullable=False),
            [],
        ),
        (
            "refund",
            None,
            sa.Column("paid_on", sa.Date(), nullable=False),
            [
                sa.Column("reference", sa.String(length=100), nullable=False),
                sa.Column("method", sa.String(length=20), nullable=False),
            ],
        ),
    ):
        foreign_keys = [
            sa.ForeignKeyConstraint(
                ["credit_note_id"],
                ["credit_note.id"],
                name=op.f(f"fk_{table}_credit_note_id_credit_note"),
            )
        ]
        if target is not None:
            foreign_keys.append(
                sa.ForeignKeyConstraint(
                    ["invoice_id"], ["invoice.id"], name=op.f(f"fk_{table}_invoice_id_invoice")
                )
            )
        op.create_table(
            table,
            sa.Column("id", sa.Uuid(), nullable=False),
            sa.Column("credit_note_id", sa.Uuid(), nullable=False),
            *([target] if target is not None else []),
            sa.Column("organisation_id", sa.Uuid(), nullable=False),
            sa.Column("cohort_id", sa.Uuid(), nullable=False),
            sa.Column("amount", sa.BigInteger(), nullable=False),
            date_column,
            *extra,
            sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("recorded_by", sa.String(length=200), nullable=False),
            sa.Column("idempotency_key", sa.String(length=100), nullable=True),
            sa.Column("answer", sa.Text(), nullable=True),
            *foreign_keys,
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
            sa.UniqueConstraint(
                "credit_note_id",
                "idempotency_key",
                name=op.f(f"uq_{table}_credit_note_id_idempotency_key"),
            ),
        )
        indexed = ["credit_note_id", "organisation_id", "cohort_id"]
        if target is not None:
            indexed.append("invoice_id")
        for column in indexed:
            op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def _backfill_applied_credit() -> None:
    """Each credit note applied to its own invoice in issue order, as far as the invoice still
    owed anything after its payments (what the old figures assumed)."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT n.id, n.invoice_id, n.gross, i.gross, i.paid FROM credit_note n "
            "JOIN invoice i ON i.id = n.invoice_id ORDER BY n.invoice_id, n.series, n.sequence"
        )
    ).all()
    left: dict[object, int] = {}
    applied_to: dict[object, int] = {}
    for note_id, invoice_id, note_gross, invoice_gross, paid in rows:
        remaining = left.setdefault(invoice_id, int(invoice_gross) - int(paid))
        applied = max(min(int(note_gross), remaining), 0)
        left[invoice_id] = remaining - applied
        applied_to[invoice_id] = applied_to.get(invoice_id, 0) + applied
        bind.execute(
            sa.text("UPDATE credit_note SET applied = :applied WHERE id = :id"),
            {"applied": applied, "id": note_id},
        )
    for invoice_id, applied in applied_to.items():
        bind.execute(
            sa.text("UPDATE invoice SET credit_applied = :applied WHERE id = :id"),
            {"applied": applied, "id": invoice_id},
        )


def downgrade() -> None:
    for table, indexed in (
        ("refund", ["credit_note_id", "organisation_id", "cohort_id"]),
        ("credit_allocation", ["credit_note_id", "organisation_id", "cohort_id", "invoice_id"]),
    ):
        for column in indexed:
            op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
        op.drop_table(table)
    with op.batch_alter_table("payment") as batch:
        batch.drop_column("answer")
    with op.batch_alter_table("credit_note") as batch:
        for name in (
            "withdrawal_date_chosen_by",
            "withdrawn_by",
            "credited_as_of",
            "withdrawn_on",
            "refunded",
            "allocated",
            "applied",
        ):
            batch.drop_column(name)
    # Only the latest revision of each pro-forma fits the old one-per-team key.
    op.execute("DELETE FROM proforma WHERE superseded_by IS NOT NULL")
    with op.batch_alter_table("proforma") as batch:
        batch.drop_index(op.f("ix_proforma_team_id"))
        batch.drop_constraint(op.f("uq_proforma_team_id_revision"), type_="unique")
        batch.create_unique_constraint(op.f("uq_proforma_team_id"), ["team_id"])
        batch.drop_column("superseded_by")
        batch.drop_column("revision")
    with op.batch_alter_table("invoice") as batch:
        batch.drop_column("credit_applied")
    for table in _LISTED:
        with op.batch_alter_table(table) as batch:
            for name in ("discount_rate", "discount", "list_price"):
                batch.drop_column(name)
    with op.batch_alter_table("billing_team") as batch:
        batch.drop_column("withdrawal_date_chosen_by")
        batch.drop_column("withdrawn_by")
    for table in ("billing_organisation", *_DOCUMENTS):
        with op.batch_alter_table(table) as batch:
            for name, _type in reversed(_AP_COLUMNS):
                batch.drop_column(name)
