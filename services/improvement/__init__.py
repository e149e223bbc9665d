"""The improvement service: each team's QI project (project team, aim, what matters and the
pebbles in the shoe, meetings, driver diagrams, change ideas and PDSA cycles, progress scores) and
the cohort's shared library of tested change ideas. See README.md beside this file."""
