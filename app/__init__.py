"""policykg: an open knowledge graph of Vietnamese public policy."""

__version__ = "0.1.0"
