"""The LangGraph server: what it does (``semantics``), the live models and protocols (``live``), the httpx
client, a local dev server.
"""
