"""The LangGraph server: what it does (``semantics``), the live models and protocols (``live``), the client
(its httpx transport, answer checks, reads and writes), a local dev server.
"""
