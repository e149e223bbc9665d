"""The sessions service: learning sessions, monthly learning sets and clinics, rosters, places,
attendance and registers, reports, materials and calendar feeds for each cohort.

What it does and the decisions where the issues were silent are in ``README.md`` beside this
file (the default programme and how to adjust it, engagement, registers, reports, calendars,
events, erasure).

The code: ``api/`` (one router per resource) → ``schemas/`` → the use cases, named after what
people do (``programme``, ``cohorts``, ``places``, ``attendance``, ``registers``, ``materials``,
``reports``, ``calendar``; ``rosters`` and ``erasure`` hold the event handlers) → ``store/``
(every query) → ``models.py``; ``rules/`` holds the pure rules.
"""
