"""The nine critical components of the IHI Framework for Improving Joy in Work (2017): the
primary drivers every new cohort's change package starts from."""

from __future__ import annotations

from typing import NamedTuple


class Component(NamedTuple):
    key: str
    name: str
    text: str


NINE_COMPONENTS: tuple[Component, ...] = (
    Component(
        "physical_psychological_safety",
        "Physical and psychological safety",
        "Staff are free from physical and psychological harm and can speak up without fear.",
    ),
    Component(
        "meaning_purpose",
        "Meaning and purpose",
        "Daily work connects to what matters to staff and to the people they care for.",
    ),
    Component(
        "choice_autonomy",
        "Choice and autonomy",
        "Staff have a say in how they do their work and how their time is arranged.",
    ),
    Component(
        "recognition_rewards",
        "Recognition and rewards",
        "Contributions are noticed and thanked, meaningfully and often.",
    ),
    Component(
        "participative_management",
        "Participative management",
        "Leaders ask what matters, listen, and decide with the people affected.",
    ),
    Component(
        "camaraderie_teamwork",
        "Camaraderie and teamwork",
        "Productive, supportive relationships and a shared sense of the team's work.",
    ),
    Component(
        "daily_improvement",
        "Daily improvement",
        "Everyone uses improvement methods to remove the pebbles in the shoe.",
    ),
    Component(
        "wellness_resilience",
        "Wellness and resilience",
        "Health and resilience are supported: breaks, rest, time to recover.",
    ),
    Component(
        "real_time_measurement",
        "Real-time measurement",
        "Joy in work is measured often and the results fed back to the team.",
    ),
)

DEFAULT_PACKAGE_AIM = (
    "Improve joy in work: more staff frequently enjoy being at work, fewer report symptoms of "
    "burnout, and more would recommend their team as a place to work, by the end of the programme."
)
