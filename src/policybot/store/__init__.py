"""policybot.store."""
