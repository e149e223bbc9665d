"""How an erasure takes a person out of a recorded event: contacts keep their shape (so the
event still validates) with the person's details replaced, and the address goes from any text,
but a longer address that merely contains it is someone else's."""

from __future__ import annotations

from services.enrolment.erasure import Person
from shared.erasure import ERASED, email_digest, erased_email

EMAIL = "ada@example.org"
PERSON = Person(EMAIL, email_digest(EMAIL))
GONE = erased_email(email_digest(EMAIL))


def test_a_contact_keeps_its_shape() -> None:
    event = {
        "project_lead": {"name": "Ada", "email": "ADA@example.org", "job_title": "Manager"},
        "senior_sponsor": {"name": "Grace", "email": "grace@example.org", "job_title": "Director"},
    }
    assert PERSON.scrubbed(event) == {
        "project_lead": {"name": ERASED, "email": GONE, "job_title": ERASED},
        "senior_sponsor": event["senior_sponsor"],
    }


def test_prefixed_fields_go_together() -> None:
    event = {"coach_id": "c1", "coach_name": "Ada", "coach_email": EMAIL, "team_name": "Ward 7"}
    assert PERSON.scrubbed(event) == {
        "coach_id": "c1",
        "coach_name": ERASED,
        "coach_email": GONE,
        "team_name": "Ward 7",
    }


def test_an_organisations_contact_keeps_its_address() -> None:
    payable = {"email": EMAIL, "name": "Ada", "postal_address": {"lines": ["PO Box 1"]}}
    assert PERSON.scrubbed({"accounts_payable": payable}) == {
        "accounts_payable": {
            "email": GONE,
            "name": ERASED,
            "postal_address": {"lines": ["PO Box 1"]},
        }
    }


def test_the_address_leaves_text_but_longer_addresses_stay() -> None:
    assert PERSON.scrubbed(["write to Ada@Example.org."]) == [f"write to {GONE}."]
    for other in ("bada@example.org", "ada@example.org.uk", "ada@example.organic"):
        assert PERSON.scrubbed([f"cc {other}"]) == [f"cc {other}"]
        assert PERSON.scrubbed({"email": other, "name": "Bada"}) == {"email": other, "name": "Bada"}
