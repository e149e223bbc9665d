"""All the sessions service's persistence: every query, lock and count, one module per aggregate.

``access`` is the one place that says what a principal may read (the readable statement); the
other modules are plain queries and locks (``FOR UPDATE`` on PostgreSQL) for the use cases:
``programme`` (cohorts and their sessions), ``rosters`` (teams and coach allocations),
``places``, ``attendance`` (records and disengagements) and ``feeds`` (calendar feed tokens).
The service keeps no cache and no prepared statement: none of its paths needs one.
"""
