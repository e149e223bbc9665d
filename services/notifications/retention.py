"""Retention: the bodies of messages sent longer ago than the retention period are removed (a
periodic job); the subject, recipient and dates stay, so the feed and the record stay whole."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.notifications import store
from services.notifications.settings import NotificationsSettings
from shared.handlers import ServiceContext


async def remove_old_bodies(
    session: AsyncSession, *, context: ServiceContext[NotificationsSettings]
) -> None:
    now = context.clock.now()
    cutoff = now - timedelta(days=context.settings.retention_days)
    await store.blank_sent_bodies(session, sent_before=cutoff, now=now)
