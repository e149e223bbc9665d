"""Erasure on request, the same way in every service.

A coordinator erases a person in enrolment, which records ``enrolment.person.erased`` carrying
only :func:`email_digest` of the person's e-mail address. Each service that holds contact details
finds its rows whose e-mail has that digest and replaces the person's name, e-mail, phone and job
title with :data:`ERASED` placeholders (:func:`pseudonymised_contact`), keeping the rows so that
counts, history and foreign keys stay whole.
"""

from __future__ import annotations

import hashlib
from typing import Any

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
