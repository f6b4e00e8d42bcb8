"""What the analyst writes and checks: the plan, the narrative, input validation and the seeded sample generator."""
