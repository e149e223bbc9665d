"""Pure rules of the expression-of-interest form: what it must say (each missing answer refused
with its own message, all in one answer), the commitments a team makes, ODS codes, and when two
expressions of interest are the same team. No database, no clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

# --------------------------------------------------------------------------------------------
# ODS codes
# --------------------------------------------------------------------------------------------

# The Organisation Data Service gives codes of 1 to 9 letters and digits; the organisations that
# put teams forward have 3 or more (NHS trusts 3, e.g. RWK; their sites 5, e.g. RWK01; GP
# practices 6, e.g. A81001; care homes and other providers other formats).
_ODS = re.compile(r"[A-Z0-9]{3,9}")


class OdsKind(StrEnum):
    NHS_TRUST = "nhs_trust"  # 3 characters beginning R (or T, the former care trusts)
    TRUST_SITE = "trust_site"  # a trust's code and 2 more characters (e.g. RWK01)
    OTHER = "other"  # health boards, ICBs, practices, independent and voluntary providers...


def normalise_ods_code(text: str) -> str:
    """As people type it: surrounding spaces dropped, upper case (``rwk`` is ``RWK``)."""
    return text.strip().upper()


def is_valid_ods_code(code: str) -> bool:
    """3 to 9 upper-case letters or digits (normalise what people type first)."""
    return _ODS.fullmatch(code) is not None


def ods_kind(code: str) -> OdsKind:
    if code[:1] in ("R", "T") and len(code) == 3:
        return OdsKind.NHS_TRUST
    if code[:1] in ("R", "T") and len(code) == 5:
        return OdsKind.TRUST_SITE
    return OdsKind.OTHER


def trust_of_site(code: str) -> str | None:
    """The trust a site code belongs to (``RWK01`` → ``RWK``); None for any other code."""
    return code[:3] if ods_kind(code) is OdsKind.TRUST_SITE else None


# --------------------------------------------------------------------------------------------
# The form
# --------------------------------------------------------------------------------------------

# What a team commits to, in the programme's words: the form's boxes, the public page's list,
# and the message when a box is left unticked.
COMMITMENTS: dict[str, str] = {
    "agreed_to_take_part": "The team has discussed the collaborative and agreed to take part.",
    "can_meet_commitment": "The project team can meet regularly, ideally weekly or fortnightly "
    "(the QI coach joins these meetings).",
    "will_attend_learning_sets": "The team will attend the monthly learning sets and the "
    "learning sessions.",
    "will_implement_change_ideas": "The team will test and implement its change ideas.",
    "will_collect_data": "The team will collect data to the collaborative's agreed measurement "
    "plan.",
}

_REFUSED_COMMITMENT: dict[str, str] = {
    "agreed_to_take_part": "the team must have discussed and agreed to take part",
    "can_meet_commitment": "the project team must be able to meet regularly (weekly or "
    "fortnightly)",
    "will_attend_learning_sets": "the team must commit to attend the monthly learning sets",
    "will_implement_change_ideas": "the team must commit to test and implement its change ideas",
    "will_collect_data": "the team must commit to collect data to the agreed measurement plan",
}


@dataclass(frozen=True, slots=True)
class FieldError:
    loc: tuple[str | int, ...]
    msg: str


@dataclass(frozen=True, slots=True)
class EoiFacts:
    """The parts of an EOI the programme's rules look at (shapes are checked by the schema).
    ``None`` is an answer not given."""

    setting: str
    has_sponsor: bool
    service_user_members: int
    service_user_involvement: str | None
    agreed_to_take_part: bool | None
    can_meet_commitment: bool | None
    team_size: int | None = None
    contact_phone: str | None = None
    hopes_to_improve: str | None = None
    will_attend_learning_sets: bool | None = None
    will_implement_change_ideas: bool | None = None
    will_collect_data: bool | None = None


def _blank(text: str | None) -> bool:
    return not (text and text.strip())


def eoi_errors(eoi: EoiFacts) -> list[FieldError]:
    """Every rule an EOI breaks, so one 422 lists all the fields to fix, each with its message."""
    errors: list[FieldError] = []

    def refuse(field: str, message: str) -> None:
        errors.append(FieldError(("body", field), message))

    if not eoi.has_sponsor:
        refuse("senior_sponsor", "a senior sponsor is required")
    if eoi.team_size is None:
        refuse("team_size", "say how many people work in the team")
    if _blank(eoi.contact_phone):
        refuse("contact_phone", "a contact phone number is required")
    if _blank(eoi.hopes_to_improve):
        refuse("hopes_to_improve", "say what the team hopes to improve")
    for commitment, message in _REFUSED_COMMITMENT.items():
        if getattr(eoi, commitment) is not True:
            refuse(commitment, message)
    if (
        eoi.setting == "clinical"
        and eoi.service_user_members == 0
        and _blank(eoi.service_user_involvement)
    ):
        refuse(
            "project_team",
            "a clinical team needs a service-user member or a statement of how service users "
            "will be involved (service_user_involvement)",
        )
    return errors


def team_name_key(name: str) -> str:
    """How two team names are compared: case and spacing aside (``Ward 7`` is ``ward  7``)."""
    return " ".join(name.split()).casefold()


_PHONE_CHARACTERS = re.compile(r"[0-9 +()\-]+")


def is_phone_number(text: str) -> bool:
    """A UK or international telephone number as people write it: digits with spaces, brackets,
    hyphens and a leading +, 10 to 15 digits in all (01632 960 001, +44 1632 960001)."""
    digits = sum(c.isdigit() for c in text)
    plus_only_first = "+" not in text[1:]
    return bool(_PHONE_CHARACTERS.fullmatch(text)) and 10 <= digits <= 15 and plus_only_first
