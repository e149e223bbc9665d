"""HTTP routes of the measurement service (mounted under /api/measurement)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
