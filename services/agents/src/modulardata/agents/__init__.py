"""Planning cleaning steps from chat: the offline rule planner first, the CrewAI crew next."""
