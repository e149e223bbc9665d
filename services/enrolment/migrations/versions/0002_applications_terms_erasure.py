"""Enrolment: applications by people the programme does not know yet (unverified organisations,
accounts-payable contacts, the fuller form), changes of a cohort's terms with their history,
backdated withdrawals, and erasures on request.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"

# The team's new columns, all nullable (expressions of interest made before were not asked).
_TEAM_COLUMNS = {
    "team_size": sa.Integer,
    "contact_phone": lambda: sa.String(30),
    "hopes_to_improve": sa.Text,
    "will_attend_learning_sets": sa.Boolean,
    "will_implement_change_ideas": sa.Boolean,
    "will_collect_data": sa.Boolean,
    "withdrawn_by": lambda: sa.String(200),
    "withdrawal_date_chosen_by": lambda: sa.String(200),
}


def upgrade() -> None:
    # SQLite cannot alter a column or add a foreign key in place: batch mode copies the table.
    with op.batch_alter_table("organisation") as organisation:
        organisation.alter_column(
            "ods_code", existing_type=sa.String(5), type_=sa.String(9), existing_nullable=True
        )
        organisation.add_column(sa.Column("accounts_payable", sa.JSON(), nullable=True))
        organisation.add_column(
            sa.Column("verified", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        organisation.add_column(sa.Column("merged_into_id", sa.Uuid(), nullable=True))
        organisation.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
        organisation.create_foreign_key(
            "fk_organisation_merged_into_id_organisation",
            "organisation",
            ["merged_into_id"],
            ["id"],
        )
    op.add_column("cohort", sa.Column("invoiced_at", sa.DateTime(timezone=True), nullable=True))
    for name, column_type in _TEAM_COLUMNS.items():
        op.add_column("team", sa.Column(name, column_type(), nullable=True))
    op.create_index("ix_team_submitted_by", "team", ["submitted_by"])
    op.create_table(
        "cohort_change",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("cohort_id", sa.Uuid(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"], ["cohort.id"], name="fk_cohort_change_cohort_id_cohort"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_cohort_change"),
    )
    op.create_index("ix_cohort_change_cohort_id", "cohort_change", ["cohort_id"])
    op.create_table(
        "erasure",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email_digest", sa.String(64), nullable=False),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("erased", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_erasure"),
    )
    op.create_index("ix_erasure_email_digest", "erasure", ["email_digest"])


def downgrade() -> None:
    op.drop_table("erasure")
    op.drop_table("cohort_change")
    op.drop_index("ix_team_submitted_by", table_name="team")
    with op.batch_alter_table("team") as team:
        for name in reversed(_TEAM_COLUMNS):
            team.drop_column(name)
    op.drop_column("cohort", "invoiced_at")
    with op.batch_alter_table("organisation") as organisation:
        organisation.drop_constraint("fk_organisation_merged_into_id_organisation", "foreignkey")
        organisation.drop_column("updated_at")
        organisation.drop_column("merged_into_id")
        organisation.drop_column("verified")
        organisation.drop_column("accounts_payable")
        organisation.alter_column(
            "ods_code", existing_type=sa.String(9), type_=sa.String(5), existing_nullable=True
        )
