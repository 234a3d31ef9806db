"""The planner's evaluation set: plain-English requests on a messy customers table, each with
the frame a user expects, and the session simulator that scores a planner on them."""
