"""The transport to the LangGraph server: the only module that imports httpx.

Sends each request and maps what comes back: a status outside 2xx (and the caller's ``allow``) or a redirect
becomes a one-line ServerError naming the request and what to check; a transport failure becomes
ServerUnreachableError when the request cannot have left, OutcomeUnknownError when it may have reached the
server. Calls the caller marks safe to repeat are retried with backoff on connection errors, timeouts and
5xx. A 429 means the server did not process the request: every call waits as long as ``Retry-After`` says
(all threads together) and sends again.
"""

from __future__ import annotations

import ssl
import threading
import time
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from pydantic import SecretStr

from reconciler.applying.smoke import RunResult
from reconciler.errors import OutcomeUnknownError, ServerError, ServerUnreachableError, SettingsError
from reconciler.redact import mask_url, scrub
from reconciler.secrets import connection_secrets
from reconciler.server.answers import DETAIL_LIMIT, NOT_THE_API, Answers, run_result
from reconciler.settings import check_url

TRANSIENT = (httpx.TransportError,)
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)
"""Failures before the request left: the server cannot have acted on it. After any other transport failure
(a read timeout, a dropped connection) the request may have reached the server: its outcome is unknown."""

MAX_RETRY_AFTER = 60.0
"""Longest wait a 429's ``Retry-After`` is honoured for (seconds); a longer one is cut to this."""
RATE_LIMIT_ATTEMPTS = 5

Transport = httpx.BaseTransport
"""What a client may be given to send its requests through instead of the network (tests' faults)."""
HttpResponse = httpx.Response
"""An answer, for the callers that read its status themselves (without importing httpx)."""


class HttpSession:
    """One connection pool of ``pool_size`` to the server, shared by every thread of a client."""

    def __init__(
        self,
        url: str,
        *,
        api_key: SecretStr | None,
        timeout: float,
        retries: int,
        backoff: float,
        transport: Transport | None,
        pool_size: int,
    ) -> None:
        self.url = check_url(url)
        self.display_url = mask_url(self.url)
        """The URL as it may be printed: its password masked."""
        key = api_key.get_secret_value() if api_key else ""
        if not all(" " < c < "\x7f" for c in key):
            raise SettingsError(
                "the API key (LANGGRAPH_API_KEY / LANGSMITH_API_KEY) holds spaces, control or non-ASCII "
                "characters, which cannot be sent in a header: check the variable's value"
            )
        headers = {"x-api-key": key} if key else {}
        self.retries = retries
        self.backoff = backoff
        self.request_count = 0
        self._lock = threading.Lock()
        self._not_before = 0.0
        """Monotonic time before which no request is sent (a 429's Retry-After, shared by every thread)."""
        limits = httpx.Limits(max_connections=pool_size, max_keepalive_connections=pool_size)
        try:
            self._http = httpx.Client(
                base_url=self.url,
                headers=headers,
                timeout=httpx.Timeout(timeout, connect=5.0),
                transport=transport,
                limits=limits,
                verify=tls_verification(self.url),
            )
        except (httpx.InvalidURL, ValueError) as exc:
            raise SettingsError(f"invalid server URL {self.display_url!r}: {mask_url(str(exc))}") from None
        self._secrets = connection_secrets(key, self._http.base_url.username, self._http.base_url.password)
        self.answers = Answers(self.display_url, self.clean)

    def close(self) -> None:
        self._http.close()

    def clean(self, text: str) -> str:
        """One line, no secrets (the API key, the URL's password)."""
        return mask_url(scrub(" ".join(text.split()), self._secrets))

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        retry: bool,
        allow: tuple[int, ...] = (),
    ) -> httpx.Response:
        attempts = 1 + (self.retries if retry else 0)
        where = f"{method} {self.display_url}{mask_url(path)}"
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                response = self._send_when_allowed(method, path, json)
            except TRANSIENT as exc:
                if last:
                    unknown = not isinstance(exc, NOT_SENT)
                    raise (OutcomeUnknownError if unknown else ServerUnreachableError)(
                        f"{where} failed: {type(exc).__name__}: {self.clean(str(exc)) or 'no response'}; "
                        "check --url / RECONCILER_URL and that the server is up",
                        url=self.display_url,
                    ) from exc
            except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, UnicodeError) as exc:
                raise ServerError(
                    f"{where} failed: {type(exc).__name__}: {self.clean(str(exc))[:DETAIL_LIMIT]}; "
                    "check --url / RECONCILER_URL",
                    url=self.display_url,
                ) from exc
            else:
                if response.status_code < 500 or last:
                    return self._checked(response, allow)
            time.sleep(self.backoff * 2**attempt)
        raise AssertionError("unreachable")

    def run_wait(self, body: dict[str, Any], timeout: float) -> RunResult:
        """``POST /runs/wait``, bounded by ``timeout``. The server keeps the connection alive with a newline
        every 5 s while the run works, so the deadline is checked on every chunk (a run is abandoned at most
        ~5 s after its timeout). Never retried: a run can cost money."""
        started = time.monotonic()
        deadline = started + timeout
        self.request_count += 1
        try:
            with self._http.stream(
                "POST", "/runs/wait", json=body, timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0))
            ) as response:
                chunks = []
                for chunk in response.iter_bytes():
                    chunks.append(chunk)
                    if time.monotonic() > deadline:
                        waited = time.monotonic() - started
                        return RunResult(status="timeout", error=f"waited {waited:.1f}s", seconds=waited)
                text = b"".join(chunks).decode("utf-8", errors="replace")
        except httpx.TimeoutException:
            return RunResult(status="timeout", error=f"waited {timeout:g}s", seconds=time.monotonic() - started)
        except (httpx.HTTPError, httpx.StreamError) as exc:
            return RunResult(status="error", error=self.clean(f"{type(exc).__name__}: {exc or 'no response'}"))
        result = run_result(response.status_code, text, time.monotonic() - started)
        return result.model_copy(update={"error": self.clean(result.error)}) if result.error else result

    def _send_when_allowed(self, method: str, path: str, json: Any) -> httpx.Response:
        """One request, sent again after each 429 (the server did not process it, so even a PATCH is safe to
        send again), waiting as long as its ``Retry-After`` asks; every thread waits with it."""
        for attempt in range(RATE_LIMIT_ATTEMPTS):
            self._wait_turn()
            with self._lock:
                self.request_count += 1
            response = self._http.request(method, path, json=json)
            if response.status_code != 429 or attempt == RATE_LIMIT_ATTEMPTS - 1:
                return response
            self._hold_off(retry_after(response, default=self.backoff * 2**attempt))
        raise AssertionError("unreachable")

    def _wait_turn(self) -> None:
        delay = self._not_before - time.monotonic()
        if delay > 0:
            time.sleep(delay)

    def _hold_off(self, seconds: float) -> None:
        with self._lock:
            self._not_before = max(self._not_before, time.monotonic() + seconds)

    def _checked(self, response: httpx.Response, allow: tuple[int, ...]) -> httpx.Response:
        status = response.status_code
        if status in allow or 200 <= status < 300:
            return response
        raise self.refused(response)

    def refused(self, response: httpx.Response) -> ServerError:
        """The one-line error for an answer outside 2xx: the request, the status, what it means, the reason."""
        status = response.status_code
        where = f"{response.request.method} {mask_url(str(response.request.url))}"
        if 300 <= status < 400:
            location = response.headers.get("location", "")
            target = f" to {self.clean(location)[:DETAIL_LIMIT]}" if location else ""
            return ServerError(
                f"{where} -> {status}: redirected{target}; reconciler does not follow redirects: "
                f"use the API server's own URL ({NOT_THE_API})",
                url=self.display_url,
                status=status,
            )
        hint = {
            401: "the server refused the credentials: set LANGGRAPH_API_KEY or LANGSMITH_API_KEY",
            403: "the API key is not allowed to do this: check its permissions",
            404: "not found: check the URL points at a LangGraph API server and the ids exist",
            409: "conflict with the server's current state",
            422: "the server refused the request",
        }.get(status, "server error" if status >= 500 else "request refused")
        return ServerError(f"{where} -> {status}: {hint}: {self.answers.detail(response)}", url=self.display_url,
                           status=status)


def tls_verification(url: str) -> ssl.SSLContext | bool:
    """httpx's default (the CA bundle) for an https:// server. A plain http:// server needs no CA bundle, and
    loading one costs tens of milliseconds per process; redirects are not followed, so no request leaves for
    another URL, and the empty context would refuse any TLS peer rather than trust it."""
    if url.lower().startswith("https://"):
        return True
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies certificates and host names, and trusts no CA


def retry_after(response: httpx.Response, *, default: float) -> float:
    """Seconds to wait before sending again: the ``Retry-After`` header (seconds or an HTTP date), capped at
    MAX_RETRY_AFTER; ``default`` when the header is absent or unreadable."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError, IndexError, OverflowError):
            return default
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)
