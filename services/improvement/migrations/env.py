"""Alembic environment of the improvement service: its own history, URL from its settings."""

from services.improvement.models import Base
from shared.db import platform_metadata
from shared.migrations import run_env

run_env([Base.metadata, platform_metadata])
