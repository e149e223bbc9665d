"""Improvement: the digest of a coach's e-mail on their allocations, so an erasure finds them."""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    with op.batch_alter_table("coach_allocation") as batch:
        batch.add_column(sa.Column("coach_email_digest", sa.String(64), nullable=True))
        batch.create_index(
            "ix_coach_allocation_coach_email_digest", ["coach_email_digest"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("coach_allocation") as batch:
        batch.drop_index("ix_coach_allocation_coach_email_digest")
        batch.drop_column("coach_email_digest")
