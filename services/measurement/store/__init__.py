"""All of the measurement service's persistence: every query, lock, prepared statement and cache.

- ``access``: what a principal may read (the readable statement of teams);
- ``plan``: cohorts and teams, measure definitions, cohorts' plans;
- ``keys``, ``idempotency``: API keys, Idempotency-Key records;
- ``batches``: a batch stored in bulk (COPY on PostgreSQL); ``rollup``: the day sums and series
  versions it keeps; ``series``: series read back;
- ``charts``: what team charts need, and the chart caches; ``signals``: signals recorded.
"""
