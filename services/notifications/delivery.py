"""The delivery worker (a periodic job, outside any consumer's transaction): drains the queue
over SMTP. A message that cannot go now (server away, a 4xx refusal, billing's PDF not to be
had) is tried again with exponential backoff; a permanent refusal (5xx) or the last attempt
dead-letters it, for operators to see (``GET /api/notifications/undeliverable``).

Invoices' PDFs are fetched from billing's API when the message is sent, with a short-lived token
of the platform's ``service`` role (docs/notifications.md says why this way round).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

import aiosmtplib
import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from services.notifications import store
from services.notifications.models import Delivery, Message
from services.notifications.rendering import unsubscribe_url
from services.notifications.rules import Kind, Outcome, outcome_of_reply, retry_delay
from services.notifications.settings import NotificationsSettings
from shared.auth import Role, issue_token
from shared.handlers import ServiceContext

log = logging.getLogger("services.notifications.delivery")

MESSAGE_ID_DOMAIN = "notifications.enjoying-work"


class AttachmentUnavailable(Exception):
    pass


def email_of(
    message: Message,
    settings: NotificationsSettings,
    *,
    now: datetime,
    attachment: bytes | None = None,
) -> EmailMessage:
    email = EmailMessage()
    email["From"] = settings.mail_from
    email["To"] = formataddr((message.recipient_name or "", message.recipient))
    email["Subject"] = message.subject
    email["Date"] = format_datetime(now)
    # The message's own id: a receiver can tell a (rare) second copy from a new message.
    email["Message-ID"] = f"<{message.id}@{MESSAGE_ID_DOMAIN}>"
    email["X-Enjoying-Work-Kind"] = message.kind
    link = unsubscribe_url(
        settings.public_url,
        settings.jwt_secret,
        recipient=message.recipient,
        kind=Kind(message.kind),
    )
    if link is not None:
        email["List-Unsubscribe"] = f"<{link}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email.set_content(message.body_text)
    email.add_alternative(message.body_html, subtype="html")
    if attachment is not None:
        email.add_attachment(
            attachment,
            maintype="application",
            subtype="pdf",
            filename=message.attachment_name or "document.pdf",
        )
    return email


async def _attachment(
    http: httpx.AsyncClient, settings: NotificationsSettings, message: Message
) -> bytes | None:
    if message.attachment_path is None:
        return None
    token = issue_token(
        settings, role=Role.service, subject=settings.service_name, ttl=timedelta(minutes=5)
    )
    try:
        answer = await http.get(
            f"{settings.billing_url.rstrip('/')}/api/billing/{message.attachment_path}",
            headers={"Authorization": f"Bearer {token}"},
        )
    except httpx.HTTPError as exc:
        raise AttachmentUnavailable(f"billing unreachable: {type(exc).__name__}") from exc
    if answer.status_code != 200 or not answer.content.startswith(b"%PDF"):
        raise AttachmentUnavailable(f"billing answered {answer.status_code} for the PDF")
    return answer.content


def _failed(
    delivery: Delivery,
    settings: NotificationsSettings,
    *,
    outcome: Outcome,
    error: str,
    now: datetime,
    server_away: bool = False,
) -> None:
    """Record a failed attempt. While the server is away (no connection) a message only waits:
    an outage, however long, never uses up its attempts; refusals do."""
    delivery.attempts += 1
    delivery.last_error = error[:2000]
    used_up = not server_away and delivery.attempts >= settings.max_attempts
    if outcome is Outcome.dead or used_up:
        delivery.status = "dead"
        log.warning("message %s dead-lettered: %s", delivery.message_id, error)
        return
    delivery.next_attempt_at = now + retry_delay(
        delivery.attempts, first=settings.retry_first_seconds, most=settings.retry_max_seconds
    )


def _refusal(exc: Exception) -> tuple[int | None, str]:
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        # Every recipient refused (one a message): the worst refusal decides.
        worst = max(exc.recipients, key=lambda r: r.code, default=None)
        if worst is None:
            return None, str(exc)
        return worst.code, f"{worst.code} {worst.message}"
    if isinstance(exc, aiosmtplib.SMTPResponseException) and not isinstance(
        exc, aiosmtplib.SMTPServerDisconnected
    ):
        return exc.code, f"{exc.code} {exc.message}"
    return None, f"{type(exc).__name__}: {exc}"


async def _connect(settings: NotificationsSettings) -> aiosmtplib.SMTP:
    smtp = aiosmtplib.SMTP(
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        timeout=settings.smtp_timeout_seconds,
        start_tls=settings.smtp_starttls,
    )
    await smtp.connect()
    if settings.smtp_username:
        await smtp.login(settings.smtp_username, settings.smtp_password)
    return smtp


async def _send_all(
    smtp: aiosmtplib.SMTP,
    due: Sequence[tuple[Delivery, Message]],
    settings: NotificationsSettings,
    now: datetime,
) -> None:
    async with httpx.AsyncClient(timeout=settings.smtp_timeout_seconds) as http:
        for index, (delivery, message) in enumerate(due):
            try:
                pdf = await _attachment(http, settings, message)
            except AttachmentUnavailable as exc:
                _failed(delivery, settings, outcome=Outcome.retry, error=str(exc), now=now)
                continue
            try:
                await smtp.send_message(email_of(message, settings, now=now, attachment=pdf))
            except (aiosmtplib.SMTPException, OSError) as exc:
                code, error = _refusal(exc)
                away = code is None  # the connection is gone: the rest wait for the next round
                _failed(
                    delivery,
                    settings,
                    outcome=outcome_of_reply(code),
                    error=error,
                    now=now,
                    server_away=away,
                )
                if away:
                    for later, _message in due[index + 1 :]:
                        _failed(
                            later,
                            settings,
                            outcome=Outcome.retry,
                            error=error,
                            now=now,
                            server_away=True,
                        )
                    return
                continue
            delivery.status, delivery.sent_at, delivery.last_error = "sent", now, None
            delivery.attempts += 1


async def deliver_messages(
    session: AsyncSession, *, context: ServiceContext[NotificationsSettings]
) -> None:
    """One round of the worker: the due messages, over one SMTP connection."""
    settings, now = context.settings, context.clock.now()
    due = await store.due_deliveries(session, now=now, limit=settings.delivery_batch_size)
    if not due:
        return
    try:
        smtp = await _connect(settings)
    except (aiosmtplib.SMTPException, OSError) as exc:
        _code, error = _refusal(exc)
        for delivery, _message in due:
            _failed(
                delivery, settings, outcome=Outcome.retry, error=error, now=now, server_away=True
            )
        log.info("SMTP server unavailable (%s); %d messages wait", error, len(due))
        return
    try:
        await _send_all(smtp, due, settings, now)
    finally:
        try:
            await smtp.quit()
        except (aiosmtplib.SMTPException, OSError):
            smtp.close()


async def undeliverable_messages(
    session: AsyncSession, *, limit: int
) -> Sequence[tuple[Delivery, Message]]:
    """For operators: the messages refused for good or out of attempts, newest first."""
    return await store.undeliverable(session, limit=limit)
