"""policybot.answer."""
