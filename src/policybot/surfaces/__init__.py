"""policybot.surfaces."""
