"""Alembic environment of the measurement service: its own history, URL from its settings."""

from services.measurement.models import Base
from shared.db import platform_metadata
from shared.migrations import run_env

run_env([Base.metadata, platform_metadata])
