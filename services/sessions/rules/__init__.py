"""The sessions service's pure rules: no session, no clock, no settings (values are passed in).

``schedule`` drafts a cohort's default programme, ``modes`` says what a session's mode shows and
counts, ``places`` serves registrations against a capacity in order, ``engagement`` counts
attendance and finds runs of missed learning sets, ``calendar`` writes RFC 5545 feeds.
"""
