"""policybot.embedding.model."""
