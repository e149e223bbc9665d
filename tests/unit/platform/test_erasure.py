"""The one way every service takes a person out of its data."""

from __future__ import annotations

from shared.erasure import ERASED, email_digest, erased_email, pseudonymised_contact


def test_the_digest_names_the_same_person_however_the_address_is_written() -> None:
    assert email_digest(" Jo.Bloggs@NHS.net ") == email_digest("jo.bloggs@nhs.net")
    assert email_digest("jo.bloggs@nhs.net") != email_digest("jo.bloggs@nhs.uk")
    assert "jo" not in email_digest("jo.bloggs@nhs.net")


def test_a_pseudonymised_contact_keeps_its_shape_and_loses_the_person() -> None:
    digest = email_digest("jo.bloggs@nhs.net")
    contact = {
        "name": "Jo Bloggs",
        "email": "jo.bloggs@nhs.net",
        "job_title": "Ward manager",
        "phone": None,
    }
    erased = pseudonymised_contact(contact, digest)
    assert set(erased) == set(contact)
    assert erased["name"] == ERASED and erased["job_title"] == ERASED
    assert erased["phone"] is None
    assert erased["email"] == erased_email(digest)
    assert erased["email"].endswith("@erased.invalid")
    assert "Jo" not in str(erased) and "bloggs" not in str(erased)
