"""Billing: platform tables, snapshots of enrolment facts, gapless document counters, pro-formas,
invoices, credit notes and payments. Money is integer pence; VAT rates are exact decimal text.
"""

import sqlalchemy as sa
from alembic import op

from shared.migrations import create_platform_tables, drop_platform_tables

revision = "0001"
down_revision = None


def upgrade() -> None:
    create_platform_tables()
    op.create_table(
        "billing_account",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("cohort_id", sa.Uuid(), nullable=False),
        sa.Column("discounted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("organisation_id", "cohort_id", name=op.f("pk_billing_account")),
    )
    op.create_table(
        "billing_cohort",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("fee_per_team", sa.BigInteger(), nullable=True),
        sa.Column("multi_team_discount", sa.String(length=20), nullable=True),
        sa.Column("vat_rate", sa.String(length=20), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("lead_in_months", sa.Integer(), nullable=True),
        sa.Column("coaching_months", sa.Integer(), nullable=True),
        sa.Column("withdrawal_credit_cutoff", sa.Date(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancellation_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_cohort")),
    )
    op.create_table(
        "billing_organisation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("ods_code", sa.String(length=10), nullable=True),
        sa.Column("nation", sa.String(length=20), nullable=False),
        sa.Column("address_lines", sa.JSON(), nullable=False),
        sa.Column("postcode", sa.String(length=12), nullable=True),
        sa.Column("payables_code", sa.String(length=10), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_organisation")),
    )
    op.create_table(
        "billing_team",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("cohort_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("setting", sa.String(length=20), nullable=True),
        sa.Column("project_lead_name", sa.String(length=200), nullable=True),
        sa.Column("project_lead_email", sa.String(length=320), nullable=True),
        sa.Column("organisation_team_count", sa.Integer(), nullable=True),
        sa.Column("purchase_order", sa.String(length=100), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_on", sa.Date(), nullable=True),
        sa.Column("withdrawal_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_team")),
    )
    op.create_index(op.f("ix_billing_team_cohort_id"), "billing_team", ["cohort_id"], unique=False)
    op.create_index(
        op.f("ix_billing_team_organisation_id"), "billing_team", ["organisation_id"], unique=False
    )
    op.create_table(
        "document_counter",
        sa.Column("series", sa.String(length=40), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("series", name=op.f("pk_document_counter")),
    )
    op.create_table(
        "invoice",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("series", sa.String(length=40), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("cohort_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("proforma_id", sa.Uuid(), nullable=True),
        sa.Column("purchase_order", sa.String(length=100), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("time_of_supply", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("credited", sa.BigInteger(), nullable=False),
        sa.Column("paid", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("overdue_recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("net", sa.BigInteger(), nullable=False),
        sa.Column("vat_rate", sa.String(length=20), nullable=False),
        sa.Column("vat", sa.BigInteger(), nullable=False),
        sa.Column("gross", sa.BigInteger(), nullable=False),
        sa.Column("customer_name", sa.String(length=300), nullable=False),
        sa.Column("customer_address", sa.JSON(), nullable=False),
        sa.Column("customer_postcode", sa.String(length=12), nullable=True),
        sa.Column("customer_ods_code", sa.String(length=10), nullable=True),
        sa.Column("customer_payables_code", sa.String(length=10), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice")),
        sa.UniqueConstraint("number", name=op.f("uq_invoice_number")),
        sa.UniqueConstraint("series", "sequence", name=op.f("uq_invoice_series_sequence")),
        sa.UniqueConstraint("team_id", name=op.f("uq_invoice_team_id")),
    )
    op.create_index(op.f("ix_invoice_cohort_id"), "invoice", ["cohort_id"], unique=False)
    op.create_index(
        op.f("ix_invoice_organisation_id"), "invoice", ["organisation_id"], unique=False
    )
    op.create_index(op.f("ix_invoice_status"), "invoice", ["status"], unique=False)
    op.create_table(
        "proforma",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("cohort_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=True),
        sa.Column("net", sa.BigInteger(), nullable=False),
        sa.Column("vat_rate", sa.String(length=20), nullable=False),
        sa.Column("vat", sa.BigInteger(), nullable=False),
        sa.Column("gross", sa.BigInteger(), nullable=False),
        sa.Column("customer_name", sa.String(length=300), nullable=False),
        sa.Column("customer_address", sa.JSON(), nullable=False),
        sa.Column("customer_postcode", sa.String(length=12), nullable=True),
        sa.Column("customer_ods_code", sa.String(length=10), nullable=True),
        sa.Column("customer_payables_code", sa.String(length=10), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proforma")),
        sa.UniqueConstraint("reference", name=op.f("uq_proforma_reference")),
        sa.UniqueConstraint("team_id", name=op.f("uq_proforma_team_id")),
    )
    op.create_index(op.f("ix_proforma_cohort_id"), "proforma", ["cohort_id"], unique=False)
    op.create_index(
        op.f("ix_proforma_organisation_id"), "proforma", ["organisation_id"], unique=False
    )
    op.create_table(
        "credit_note",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("series", sa.String(length=40), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("cohort_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("reason_text", sa.Text(), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("net", sa.BigInteger(), nullable=False),
        sa.Column("vat_rate", sa.String(length=20), nullable=False),
        sa.Column("vat", sa.BigInteger(), nullable=False),
        sa.Column("gross", sa.BigInteger(), nullable=False),
        sa.Column("customer_name", sa.String(length=300), nullable=False),
        sa.Column("customer_address", sa.JSON(), nullable=False),
        sa.Column("customer_postcode", sa.String(length=12), nullable=True),
        sa.Column("customer_ods_code", sa.String(length=10), nullable=True),
        sa.Column("customer_payables_code", sa.String(length=10), nullable=True),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoice.id"], name=op.f("fk_credit_note_invoice_id_invoice")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_note")),
        sa.UniqueConstraint("invoice_id", "reason", name=op.f("uq_credit_note_invoice_id_reason")),
        sa.UniqueConstraint("number", name=op.f("uq_credit_note_number")),
        sa.UniqueConstraint("series", "sequence", name=op.f("uq_credit_note_series_sequence")),
    )
    op.create_index(op.f("ix_credit_note_cohort_id"), "credit_note", ["cohort_id"], unique=False)
    op.create_index(op.f("ix_credit_note_invoice_id"), "credit_note", ["invoice_id"], unique=False)
    op.create_index(
        op.f("ix_credit_note_organisation_id"), "credit_note", ["organisation_id"], unique=False
    )
    op.create_table(
        "payment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("cohort_id", sa.Uuid(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=True),
        sa.UniqueConstraint(
            "invoice_id", "idempotency_key", name=op.f("uq_payment_invoice_id_idempotency_key")
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoice.id"], name=op.f("fk_payment_invoice_id_invoice")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment")),
    )
    op.create_index(op.f("ix_payment_cohort_id"), "payment", ["cohort_id"], unique=False)
    op.create_index(op.f("ix_payment_invoice_id"), "payment", ["invoice_id"], unique=False)
    op.create_index(
        op.f("ix_payment_organisation_id"), "payment", ["organisation_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_payment_organisation_id"), table_name="payment")
    op.drop_index(op.f("ix_payment_invoice_id"), table_name="payment")
    op.drop_index(op.f("ix_payment_cohort_id"), table_name="payment")
    op.drop_table("payment")
    op.drop_index(op.f("ix_credit_note_organisation_id"), table_name="credit_note")
    op.drop_index(op.f("ix_credit_note_invoice_id"), table_name="credit_note")
    op.drop_index(op.f("ix_credit_note_cohort_id"), table_name="credit_note")
    op.drop_table("credit_note")
    op.drop_index(op.f("ix_proforma_organisation_id"), table_name="proforma")
    op.drop_index(op.f("ix_proforma_cohort_id"), table_name="proforma")
    op.drop_table("proforma")
    op.drop_index(op.f("ix_invoice_status"), table_name="invoice")
    op.drop_index(op.f("ix_invoice_organisation_id"), table_name="invoice")
    op.drop_index(op.f("ix_invoice_cohort_id"), table_name="invoice")
    op.drop_table("invoice")
    op.drop_table("document_counter")
    op.drop_index(op.f("ix_billing_team_organisation_id"), table_name="billing_team")
    op.drop_index(op.f("ix_billing_team_cohort_id"), table_name="billing_team")
    op.drop_table("billing_team")
    op.drop_table("billing_organisation")
    op.drop_table("billing_cohort")
    op.drop_table("billing_account")
    drop_platform_tables()
