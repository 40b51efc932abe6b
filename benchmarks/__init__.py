"""Benchmarks for policybot (see README.md here); not part of the installed package."""
