"""The LangGraph client: LiveReader / LiveWriter over HTTP, for the assistants API.

A facade over four parts: the transport (``http``, the only module that imports httpx) sends, maps each
status and retries what is safe to repeat; ``answers`` checks every answer (JSON, shape, every row's fields)
so nothing past the client sees raw server data; ``reads`` and ``writes`` are the calls. Batches (``find``,
``versions_of``, ``graph_schemas``) run ``parallelism`` requests at a time over a connection pool of that size.
"""

from __future__ import annotations

from pydantic import SecretStr

from reconciler.applying.progress import NO_PROGRESS, Progress
from reconciler.server.http import HttpSession, Transport
from reconciler.server.live import DEFAULT_PARALLELISM, MAX_PARALLELISM
from reconciler.server.reads import AssistantReads
from reconciler.server.writes import AssistantWrites, MirrorStance


class LangGraphClient(AssistantReads, AssistantWrites):
    def __init__(
        self,
        url: str,
        *,
        api_key: SecretStr | None = None,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 0.25,
        transport: Transport | None = None,
        parallelism: int = DEFAULT_PARALLELISM,
    ) -> None:
        self.parallelism = max(1, min(parallelism, MAX_PARALLELISM))
        self.progress: Progress = NO_PROGRESS
        self._session = HttpSession(url, api_key=api_key, timeout=timeout, retries=retries, backoff=backoff,
                                    transport=transport, pool_size=self.parallelism)
        self._mirroring = MirrorStance()
        self.url = self._session.url
        self.display_url = self._session.display_url
        """The URL as it may be printed: its password masked."""

    @property
    def request_count(self) -> int:
        """Requests sent so far (each retry and each resend after a 429 counted)."""
        return self._session.request_count

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> LangGraphClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
