"""Finding an erased person in dead-lettered events and error text (shared/erasure.py)."""

from __future__ import annotations

from shared.erasure import ERASED, email_digest, erased_email, scrub_document, scrub_text

ADDRESS = "Erin.Erasable@Example.NHS.uk"
DIGEST = email_digest(ADDRESS)


def test_a_coach_in_a_flat_event_and_a_contact_in_a_nested_one() -> None:
    replaced: dict[str, str] = {}
    document = {
        "type": "enrolment.coach.allocated",
        "data": {
            "team_id": "t-1",
            "coach_name": "Dr Erin Erasable",
            "coach_email": "erin.erasable@example.nhs.uk",  # another spelling, same person
            "team_name": "Ward 7",
            "project_lead": {"name": "Ada", "email": "ada@example.nhs.uk", "phone": "0113"},
            "senior_sponsor": {"name": "Erin", "email": ADDRESS, "job_title": "Director"},
        },
    }
    scrubbed = scrub_document(document, DIGEST, replaced)
    data = scrubbed["data"]
    assert (data["coach_name"], data["coach_email"]) == (ERASED, erased_email(DIGEST))
    assert data["senior_sponsor"] == {
        "name": ERASED,
        "email": erased_email(DIGEST),
        "job_title": ERASED,
    }
    # Other people and the team's own details stay.
    assert data["project_lead"] == document["data"]["project_lead"]  # type: ignore[index]
    assert (data["team_id"], data["team_name"]) == ("t-1", "Ward 7")
    assert replaced["Dr Erin Erasable"] == ERASED


def test_error_text_loses_the_address_and_the_names_found_in_the_event() -> None:
    replaced = {"Dr Erin Erasable": ERASED}
    text = (
        "1 validation error: input_value={'coach_name': 'Dr Erin Erasable', "
        "'coach_email': 'erin.erasable@example.nhs.uk', 'cc': 'ada@example.nhs.uk'}"
    )
    scrubbed = scrub_text(text, DIGEST, replaced)
    assert "erasable" not in scrubbed.lower()
    assert erased_email(DIGEST) in scrubbed
    assert "ada@example.nhs.uk" in scrubbed


def test_an_apostrophe_inside_an_address_is_part_of_it() -> None:
    digest = email_digest("o'brien@example.nhs.uk")
    assert scrub_text("from 'o'brien@example.nhs.uk'", digest, {}) == (
        f"from '{erased_email(digest)}'"
    )
