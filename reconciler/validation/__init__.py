"""Offline checks of each context against its graph's committed JSON Schema."""
