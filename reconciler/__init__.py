"""reconciler: GitOps for LangGraph assistants."""

__version__ = "0.1.0"
