"""policybot.evaluation.runner."""
