"""policybot.ingest.pipeline."""
