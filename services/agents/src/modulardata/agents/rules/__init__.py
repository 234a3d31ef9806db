"""The offline rule planner: plain English to a typed `Plan`, instantly and without a model.

`RulePlanner.plan` answers what it is sure of with a plan or a head move, and otherwise asks
a clarification question; the service hands what it did not understand to the crew, if any.
"""

from modulardata.agents.rules.planner import RulePlanner

__all__ = ["RulePlanner"]
