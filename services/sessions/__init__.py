"""The sessions service: learning sessions, monthly learning sets/clinics, rosters, attendance
and calendar feeds for each cohort of the collaborative.

Default programme drafted when a cohort is confirmed (see ``schedule.py``; a coordinator can
change any of it): six virtual learning sessions, 10:00-16:00 UK time on the second Thursday of
programme months 1, 3, 5, 7, 9 and 11 (the first in the last lead-in month, the last in the final
month), and a virtual learning set, 14:00-15:30 UK time on the third Tuesday of each of the ten
coaching months. Times are chosen in Europe/London and stored in UTC.
"""
