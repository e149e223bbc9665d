"""The measures the programme offers, and the default measurement plan of a new cohort.

The default plan is the first Enjoying Work collaborative's (2021-22): three outcome measures
collected weekly in every team from a short anonymous staff pulse survey, each the percentage of
responses in the item's top box. The other measures stay available for a coordinator to add to a
cohort's plan. Each measure says where its item's wording comes from (``source``); where the exact
wording the programme used could not be checked it says so, for the programme team to confirm.
The same texts, with their scales, are in the measurement service's README.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from services.measurement.measures import (
    DataKind,
    Direction,
    MeasureDefinition,
    MeasureSpec,
    MeasureType,
)
from services.measurement.periods import Period

_PULSE = (
    "Each week every member of the team is invited to answer the team's pulse survey "
    "anonymously (no name, e-mail or staff number is ever taken). "
)
_WEEKLY = (
    " Reported per ISO week (Monday to Sunday, UK time) as the percentage of that week's "
    "responses; a week with no response is a gap. Outside the team itself, a week built from "
    "fewer responses than the disclosure threshold (5) is withheld."
)


def _pulse(
    key: str,
    name: str,
    *,
    question: str,
    answers: list[str],
    top_box: tuple[int, int],
    counted: str,
    source: str,
) -> MeasureSpec:
    """An item of the weekly pulse survey: the percentage of the week's answers in its top box
    (answers numbered from 1, in the order given)."""
    return MeasureSpec(
        key=key,
        name=name,
        operational_definition=f"{_PULSE}Numerator: {counted}{_WEEKLY}",
        type="outcome",
        data_kind="proportion",
        unit="% of staff responding",
        period="week",
        direction="increase",
        item_count=1,
        item_min=1,
        item_max=len(answers),
        scoring="top_box",
        question=question,
        answer_labels=answers,
        top_box_min=top_box[0],
        top_box_max=top_box[1],
        source=source,
    )


# (type, data kind, unit, period, direction) of a measure posted as period values.
Shape = tuple[MeasureType, DataKind, str, Period, Direction]


def _posted(key: str, name: str, shape: Shape, definition: str, **more: Any) -> MeasureSpec:
    """A measure a trust system (or a project lead) posts as aggregated period values."""
    kind, data_kind, unit, period, direction = shape
    return MeasureSpec(
        key=key,
        name=name,
        operational_definition=definition,
        type=kind,
        data_kind=data_kind,
        unit=unit,
        period=period,
        direction=direction,
        **more,
    )


FREQUENTLY_ENJOY_WORK = _pulse(
    "frequently_enjoy_work",
    "Staff who frequently enjoy being at work",
    question="Over the past week, how often did you enjoy being at work?",
    answers=["Never", "Rarely", "Sometimes", "Often", "Always"],
    top_box=(4, 5),
    counted=(
        "the week's responses to the item 'Over the past week, how often did you enjoy being at "
        "work?' answered 'Often' or 'Always'. Denominator: every response to the item that week "
        "(an unanswered item is no response)."
    ),
    source=(
        "The measure is the first Enjoying Work collaborative's (RCPsych NCCMH, 2021-22): 'the "
        "percentage of staff who frequently enjoyed being at work'. The item is written in the "
        "style of the NHS Staff Survey's frequency items ('How often, if at all, do the "
        "following statements describe the way you feel?'), on that survey's five-point scale "
        "(Never, Rarely, Sometimes, Often, Always), 'frequently' read as Often or Always. The "
        "collaborative's exact wording could not be checked: the programme team must confirm "
        "it before the survey goes to teams."
    ),
)

NO_BURNOUT_SYMPTOMS = _pulse(
    "no_burnout_symptoms",
    "Staff with no symptoms of burnout",
    question="Overall, based on your definition of burnout, how would you rate your level of "
    "burnout?",
    answers=[
        "I enjoy my work. I have no symptoms of burnout.",
        "Occasionally I am under stress, and I don't always have as much energy as I once did, "
        "but I don't feel burned out.",
        "I am definitely burning out and have one or more symptoms of burnout, such as physical "
        "and emotional exhaustion.",
        "The symptoms of burnout that I'm experiencing won't go away. I think about frustration "
        "at work a lot.",
        "I feel completely burned out and often wonder if I can go on. I am at the point where I "
        "may need some changes or may need to seek some sort of help.",
    ],
    top_box=(1, 2),
    counted=(
        "the week's responses to the single-item burnout measure answered 1 ('I enjoy my work. "
        "I have no symptoms of burnout.') or 2 ('Occasionally I am under stress ... but I don't "
        "feel burned out.'). Denominator: every response to the item that week."
    ),
    source=(
        "The single-item burnout measure first used in the Physician Worklife Study (Schmoldt "
        "et al., 1994), validated against the Maslach Burnout Inventory's emotional exhaustion "
        "scale (Rohland, Kruse and Rohrer, 2004; Dolan et al., 2015) and used in the Mini-Z "
        "survey; answers 1 and 2 are conventionally read as 'no symptoms of burnout'. The "
        "wording above follows the item as commonly published; the programme team must confirm "
        "it is the wording the collaborative used (and the instrument's terms of use)."
    ),
)

EXTREMELY_LIKELY_TO_RECOMMEND = _pulse(
    "extremely_likely_to_recommend",
    "Staff extremely likely to recommend their team as a place to work",
    question="How likely are you to recommend your team as a place to work?",
    answers=[
        "Extremely likely",
        "Likely",
        "Neither likely nor unlikely",
        "Unlikely",
        "Extremely unlikely",
        "Don't know",
    ],
    top_box=(1, 1),
    counted=(
        "the week's responses to 'How likely are you to recommend your team as a place to "
        "work?' answered 'Extremely likely'. Denominator: every response to the item that week, "
        "'Don't know' included (as the Friends and Family Test counts every response)."
    ),
    source=(
        "The answer scale of the NHS Friends and Family Test as used for staff (NHS England's "
        "Staff FFT guidance, 2014: Extremely likely, Likely, Neither likely nor unlikely, "
        "Unlikely, Extremely unlikely, Don't know), asked of the team rather than the "
        "organisation, as the first Enjoying Work collaborative measured 'the percentage of "
        "staff extremely likely to recommend their team as a place to work'. The collaborative's "
        "exact wording could not be checked: the programme team must confirm it."
    ),
)

# --- optional measures ------------------------------------------------------------------------

SWEMWBS = MeasureSpec(
    key="swemwbs",
    name="Short Warwick-Edinburgh Mental Wellbeing Scale (SWEMWBS)",
    operational_definition=(
        "Each staff member answers the 7 SWEMWBS items anonymously, each scored 1 (none of "
        "the time) to 5 (all of the time). A response's raw score is the sum of its items "
        "(7-35), also reported as the published Rasch metric score. The period value is the "
        "mean over the responses received in the period, with their number."
    ),
    type="outcome",
    data_kind="score",
    unit="score (7-35)",
    period="month",
    direction="increase",
    item_count=7,
    item_min=1,
    item_max=5,
    scoring="swemwbs",
    answer_labels=["None of the time", "Rarely", "Some of the time", "Often", "All of the time"],
    source=(
        "SWEMWBS (Stewart-Brown et al., 2009), University of Warwick, NHS Health Scotland and "
        "the University of Edinburgh; the raw-to-metric table is the published Rasch "
        "conversion. Free to use once registered with the University of Warwick."
    ),
)

RECOMMEND_TEAM = MeasureSpec(
    key="recommend_team",
    name="How likely are you to recommend this team as a place to work?",
    operational_definition=(
        "Each staff member answers anonymously on a 0-10 scale. Staff net promoter score for "
        "the period: the percentage answering 9-10 minus the percentage answering 0-6."
    ),
    type="outcome",
    data_kind="score",
    unit="net promoter score (-100 to 100)",
    period="month",
    direction="increase",
    item_count=1,
    item_min=0,
    item_max=10,
    scoring="net_promoter",
    question="How likely are you to recommend this team as a place to work?",
    source="The 0-10 'likelihood to recommend' item and net promoter scoring (Reichheld, 2003).",
)

WHAT_MATTERS_CONVERSATIONS = _posted(
    "what_matters_conversations",
    "'What matters to you' conversations held",
    ("process", "count", "conversations", "week", "increase"),
    "The number of 'what matters to you' conversations held with team members in the week, as "
    "recorded by the project team.",
    source="Step 1 of the IHI Framework for Improving Joy in Work (Perlo et al., 2017).",
)
SICKNESS_ABSENCE = _posted(
    "sickness_absence",
    "Staff sickness absence",
    ("balancing", "proportion", "% of contracted days lost", "month", "decrease"),
    "Numerator: contracted working days lost to sickness absence in the month. Denominator: "
    "contracted working days available in the month. Reported in percent.",
    source="The NHS sickness absence rate (days lost / days available), as NHS Digital reports it.",
)
STAFF_TURNOVER = _posted(
    "staff_turnover",
    "Staff turnover",
    ("balancing", "rate", "leavers per WTE", "month", "decrease"),
    "Numerator: leavers in the month. Denominator: average headcount in the month (whole-time "
    "equivalents). Reported as leavers per whole-time equivalent.",
)
DAYS_TO_FILL_ROTA_GAP = _posted(
    "days_to_fill_rota_gap",
    "Mean days to fill a rota gap",
    ("process", "value", "days", "week", "decrease"),
    "The mean number of days between a gap appearing on the team's rota and its being filled, "
    "over the gaps filled in the week, as computed by the trust's rostering system and posted "
    "as the week's value.",
    value_min=Decimal(0),
    value_max=Decimal(365),
)

DEFAULT_PLAN: tuple[MeasureSpec, ...] = (
    FREQUENTLY_ENJOY_WORK,
    NO_BURNOUT_SYMPTOMS,
    EXTREMELY_LIKELY_TO_RECOMMEND,
)
OPTIONAL: tuple[MeasureSpec, ...] = (
    SWEMWBS,
    RECOMMEND_TEAM,
    WHAT_MATTERS_CONVERSATIONS,
    SICKNESS_ABSENCE,
    STAFF_TURNOVER,
    DAYS_TO_FILL_ROTA_GAP,
)
CATALOGUE: tuple[MeasureSpec, ...] = DEFAULT_PLAN + OPTIONAL


def first_versions(specs: tuple[MeasureSpec, ...] = CATALOGUE) -> list[MeasureDefinition]:
    """Version 1 of each measure (of the whole catalogue unless given)."""
    return [MeasureDefinition(**spec.model_dump(), version=1) for spec in specs]


def default_plan() -> list[MeasureDefinition]:
    """Version 1 of every measure in the default plan."""
    return first_versions(DEFAULT_PLAN)
