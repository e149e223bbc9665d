"""Erasure on request, the same way in every service.

A coordinator erases a person in enrolment, which records ``enrolment.person.erased`` carrying
only :func:`email_digest` of the person's e-mail address. Each service that holds contact details
finds its rows whose e-mail has that digest and replaces the person's name, e-mail, phone and job
title with :data:`ERASED` placeholders (:func:`pseudonymised_contact`), keeping the rows so that
counts, history and foreign keys stay whole.

Where a service keeps a person without knowing it (an event it could not handle, kept whole in its
dead-letter store; an error text quoting it), the person is found where their address is:
:func:`scrub_document` pseudonymises every object with a matching e-mail field (``email``,
``coach_email``...) and its person fields of the same prefix; :func:`scrub_text` takes the address,
and every value the document scrub replaced, out of free text. :func:`scrub_dead_letters` applies
both to a service's dead-letter store.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Text, cast, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

ERASED = "[erased]"
ERASED_EMAIL_DOMAIN = "erased.invalid"  # RFC 2606: a domain that can never receive mail


def normalise_email(email: str) -> str:
    return email.strip().lower()


def email_digest(email: str) -> str:
    """The SHA-256 of the normalised address: how an erasure names a person across services."""
    return hashlib.sha256(normalise_email(email).encode()).hexdigest()


def erased_email(digest: str) -> str:
    """A placeholder address that still tells erased people apart (and never delivers)."""
    return f"erased-{digest[:12]}@{ERASED_EMAIL_DOMAIN}"


def pseudonymised_contact(contact: dict[str, Any], digest: str) -> dict[str, Any]:
    """A contact (``name``, ``email``, ``job_title``, ``phone``...) with the person taken out."""
    return {
        key: (erased_email(digest) if key == "email" else ERASED if value else value)
        for key, value in contact.items()
    }


# An apostrophe may be inside a local part (o'brien@...), never around it (a quoted address).
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+(?:'[A-Za-z0-9._%+-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
PERSON_FIELDS = frozenset({"name", "email", "job_title", "phone", "first_name", "last_name"})


def is_address_of(value: object, digest: str) -> bool:
    return isinstance(value, str) and "@" in value and email_digest(value) == digest


def _email_prefixes(document: dict[str, Any], digest: str) -> list[str]:
    """``coach_`` for a matching ``coach_email``, ``""`` for a matching ``email``."""
    return [
        key[: -len("email")]
        for key, value in document.items()
        if key.endswith("email") and is_address_of(value, digest)
    ]


def scrub_document(document: Any, digest: str, replaced: dict[str, str]) -> Any:
    """The document with the person taken out; ``replaced`` collects original → placeholder."""
    if isinstance(document, list):
        return [scrub_document(item, digest, replaced) for item in document]
    if not isinstance(document, dict):
        if is_address_of(document, digest):
            replaced[document] = erased_email(digest)
            return erased_email(digest)
        return document
    prefixes = _email_prefixes(document, digest)
    result: dict[str, Any] = {}
    for key, value in document.items():
        person = any(
            key.startswith(prefix) and key[len(prefix) :] in PERSON_FIELDS for prefix in prefixes
        )
        if person and isinstance(value, str) and value:
            placeholder = erased_email(digest) if key.endswith("email") else ERASED
            replaced[value] = placeholder
            result[key] = placeholder
        else:
            result[key] = scrub_document(value, digest, replaced)
    return result


def scrub_text(text: str, digest: str, replaced: dict[str, str]) -> str:
    """Free text with the person's addresses, and the values already replaced, taken out."""
    text = EMAIL.sub(lambda m: erased_email(digest) if is_address_of(m[0], digest) else m[0], text)
    for original in sorted(replaced, key=len, reverse=True):
        text = text.replace(original, replaced[original])
    return text


async def scrub_dead_letters(session: AsyncSession, digest: str) -> int:
    """Take the person out of the service's dead letters (payload and error text); the rest of
    each letter stays for the operator. Returns how many letters changed."""
    from shared.inbox import dead_letters  # the platform's table (imports this module's users)

    rows = await session.execute(
        select(dead_letters).where(
            or_(dead_letters.c.payload.contains("@"), dead_letters.c.error.contains("@"))
        )
    )
    changed = 0
    for row in rows.all():
        replaced: dict[str, str] = {}
        try:
            document = json.loads(row.payload)
        except ValueError:  # not JSON (it was dead-lettered for that): scrub it as text
            payload = scrub_text(row.payload, digest, replaced)
        else:
            scrubbed = scrub_document(document, digest, replaced)
            payload = json.dumps(scrubbed) if replaced else row.payload
        error = scrub_text(row.error, digest, replaced)
        if payload != row.payload or error != row.error:
            await session.execute(
                dead_letters.update()
                .where(dead_letters.c.id == row.id)
                .values(payload=payload, error=error)
            )
            changed += 1
    return changed


async def rewrite_recorded_events(
    session: AsyncSession, mentioning: Iterable[str], rewrite: Callable[[Any], Any]
) -> int:
    """The events the service recorded in its outbox (published or not) whose text mentions any
    of ``mentioning`` (whatever its case), each rewritten by ``rewrite`` (the parsed payload in,
    the payload to keep out). Returns how many events changed."""
    from shared.outbox import outbox  # the platform's table

    texts = {text.lower() for text in mentioning if text}
    if not texts:
        return 0
    payload = func.lower(cast(outbox.c.payload, Text))
    rows = await session.execute(
        select(outbox.c.seq, outbox.c.payload)
        .where(or_(*(payload.contains(text, autoescape=True) for text in sorted(texts))))
        .order_by(outbox.c.seq)
    )
    changed = 0
    for seq, text in rows.all():
        recorded = json.loads(text)
        rewritten = rewrite(recorded)
        if rewritten != recorded:
            await session.execute(
                update(outbox)
                .where(outbox.c.seq == seq)
                .values(payload=json.dumps(rewritten, ensure_ascii=False))
            )
            changed += 1
    return changed
