"""All of billing's persistence: the only place that builds SQL.

- ``access``: what a principal may read (one readable statement per aggregate) and the reads
  people make through it.
- ``prepared``: the statements of the confirmation → invoice hot path, built once per dialect
  from the table definitions, and the functions that run them; the cohort and invoice locks and
  the gapless document numbers.
- ``queries``: the other queries the use cases run.

Caches: the prepared statements, one entry per SQL dialect (two), never invalidated (a statement
built from the tables does not change while the process runs).

Concurrency: every change that concerns a cohort first locks that cohort's row (``FOR UPDATE`` on
PostgreSQL; SQLite has one writer at a time anyway), so confirmations, withdrawals, cancellation
and purchase orders of one cohort are decided one after another and see each other's effects.
Payments lock their invoice row; credit notes lock it too (cohort first, then invoice).
Document numbers come from a counter row bumped in the issuing transaction: a rolled-back
transaction leaves no gap, and concurrent issuers queue on the row.
"""
