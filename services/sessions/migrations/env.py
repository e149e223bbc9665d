"""Alembic environment of the sessions service: its own history, URL from its settings."""

from services.sessions.models import Base
from shared.db import platform_metadata
from shared.migrations import run_env

run_env([Base.metadata, platform_metadata])
