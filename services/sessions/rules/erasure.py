"""Finding an erased person in text this service kept without knowing it holds a person.

Pure rules. An erasure names the person only by the digest of their e-mail address
(``shared.erasure.email_digest``), so a person is found where their address is:

* in a JSON document (a dead-lettered event), in any object with an e-mail field (``email``,
  ``coach_email``...) whose digest matches: that field and its person fields with the same
  prefix (``name``, ``job_title``, ``phone``... or ``coach_name``) are pseudonymised the way
  ``shared.erasure.pseudonymised_contact`` does it;
* in free text (an error message quoting the event), every address with that digest, and every
  value the document scrub replaced.
"""

from __future__ import annotations

import re
from typing import Any

from shared.erasure import ERASED, email_digest, erased_email

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
