"""The planner's evaluation set: plain-English requests on a messy customers table, each with
the frame a user expects, and the session simulator that scores a planner on them. Kept out of
the package, so the installed agents carry no test data; the tests and bench/planner_bench.py
use it."""
