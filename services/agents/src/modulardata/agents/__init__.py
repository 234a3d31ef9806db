"""The rule planner and the CrewAI crew; the service is built in the agents issue."""
