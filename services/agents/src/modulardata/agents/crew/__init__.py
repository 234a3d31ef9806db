"""The CrewAI crew (Strategist -> Engineer -> Tester) for requests the rule planner cannot plan.

Importing this package first turns CrewAI's telemetry and tracing off (`config.quiet_crewai`),
because crewai reads those settings when it is imported.
"""

from modulardata.agents.config import quiet_crewai

quiet_crewai()

from modulardata.agents.crew.models import build_llm  # noqa: E402
from modulardata.agents.crew.planner import CrewPlanner  # noqa: E402

__all__ = ["CrewPlanner", "build_llm"]
