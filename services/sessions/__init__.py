"""The sessions service: learning sessions, monthly learning sets/clinics, rosters, attendance
and calendar feeds for each cohort of the collaborative.

Decisions where the issue is silent:

* Default programme, drafted when ``enrolment.cohort.confirmed`` arrives (``rules/schedule.py``; a
  coordinator can change any of it): six virtual learning sessions, 10:00-16:00 UK time on the
  second Thursday of programme months 1, 3, 5, 7, 9 and 11 (month 0 is the calendar month of the
  start date: the first in the last lead-in month, the last in the final month), and a virtual
  learning set, 14:00-15:30 UK time on the third Tuesday of each of the ten coaching months.
  Times are chosen in Europe/London and stored in UTC. Drafted sessions carry a business key
  (``learning_set:3``), so a repeated confirmation creates nothing.
* SEQUENCE (and ``sessions.session.rescheduled``) rises on a change of start, end, mode, venue or
  join link; cancelling raises it too. Title, notes and capacity changes do not.
* Places are counted in people. Registrations are served strictly first come, first served:
  a registration that does not fit whole waits, and nobody overtakes the head of the waiting
  list (``rules/places.py``). A withdrawn team's places at future sessions are released.
* Engagement: held = not cancelled and started; a miss is a learning set or clinic recorded as
  not attended; unrecorded sets neither count nor break a run; one ``sessions.team.disengaged``
  per run of two or more misses (``rules/engagement.py``).
* Only coordinators change the schedule; coordinators and a team's coach record attendance
  (team leads get 403); team leads see and register places for their organisation's teams, and
  another organisation's team is 404. Feed tokens are secrets in the URL (only their SHA-256 is
  stored); a missing, wrong, revoked or other-feed token is 404. Who may read what is said once,
  in ``store/access.py``.

The code: ``api/`` (one router per resource) → ``schemas.py`` → the use cases, named after what
people do (``programme``, ``places``, ``attendance``, ``calendar``; ``rosters`` holds the event
handlers) → ``store/`` (every query) → ``models.py``; ``rules/`` holds the pure rules.
"""
