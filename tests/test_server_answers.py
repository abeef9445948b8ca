"""Whatever a server answers, the client turns it into LiveAssistants or a one-line ServerError naming the
request and what to check: never a traceback. A tiny real HTTP server (tests/junkserver.py) gives the
answers no LangGraph server gives; the CLI is driven as a user runs it."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from reconciler.cli import app
from reconciler.errors import ReconcilerError, ServerError
from reconciler.server.client import LangGraphClient
from tests.helpers import REPO_ROOT, RunCli
from tests.junkserver import Answer, JunkServer, Request, junk_server

ASSISTANT = {"assistant_id": "a1", "graph_id": "agent", "version": 1, "metadata": {}, "name": "a"}
SYSTEM = {**ASSISTANT, "metadata": {"created_by": "system"}}


def _json(value: Any, status: int = 200) -> Answer:
    return Answer(status, json.dumps(value).encode())


HTML = Answer(200, b"<!doctype html>\n<html><head><title>Sign in - Corp SSO</title></head><body>...</body></html>",
              "text/html; charset=utf-8")
JUNK: dict[str, Answer] = {
    "html": HTML,
    "html-without-content-type": Answer(200, b"<html><body>hello</body></html>", "application/json"),
    "redirect-to-login": Answer(302, b"", "text/html", {"location": "https://sso.example.com/login?next=/api"}),
    "permanent-redirect": Answer(308, b"", "text/plain", {"location": "/v2/assistants"}),
    "empty-body": Answer(200, b""),
    "null": Answer(200, b"null"),
    "cut-off-json": Answer(200, b'[{"assistant_id": "a1", "graph_id": "ag'),
    "cut-off-object": Answer(200, b'{"assistant_id": "a1", "version": '),
    "object-instead-of-list": _json({"detail": "ok", "items": [ASSISTANT]}),
    "empty-list-instead-of-object": _json([]),
    "list-of-junk": _json([1, "x"]),
    "row-missing-fields": _json([{"assistant_id": "a1"}]),
    "row-with-wrong-types": _json([{**ASSISTANT, "version": "three", "metadata": []}]),
    "string": _json("assistants"),
    "number": Answer(200, b"1e999"),
    "boolean": _json(True),
    "nested-too-deep": Answer(200, b"[" * 100_000),
    "invalid-utf8": Answer(200, b'[{"name": "\xff\xfe"}]'),
    "nan-rows": Answer(200, b"[NaN, Infinity]"),
}
"""Bodies (and statuses) no LangGraph server sends, each answered to every request."""

JUNK_FOR_LISTS = {name: answer for name, answer in JUNK.items() if name != "empty-list-instead-of-object"}
JUNK_FOR_OBJECTS = {name: answer for name, answer in JUNK.items() if name != "object-instead-of-list"}

Call = Callable[[LangGraphClient], object]
LIST_CALLS: dict[str, Call] = {
    "list_owned": lambda c: c.list_owned("team"),
    "versions": lambda c: c.versions("a1"),
    "graph_schema/search": lambda c: c.graph_schema("agent"),
    "graph_ids": lambda c: c.graph_ids(),
    "list_all": lambda c: c.list_all("agent"),
    "crons_using": lambda c: c.crons_using("a1"),
}
"""Every call that reads a list of rows."""
OBJECT_CALLS: dict[str, Call] = {
    "get": lambda c: c.get("a1"),
    "create": lambda c: c.create({"assistant_id": "a1", "graph_id": "agent"}),
    "update": lambda c: c.update("a1", {"name": "x"}),
    "set_latest": lambda c: c.set_latest("a1", 1),
    "threads_count": lambda c: c.threads_count("a1"),
}
"""Every call that reads one assistant."""


def _client(url: str) -> LangGraphClient:
    return LangGraphClient(url, retries=1, backoff=0, timeout=10)


def _assert_one_line_error(error: ServerError, url: str) -> None:
    message = str(error)
    assert isinstance(error, ReconcilerError)
    assert "\n" not in message and len(message) < 600, message
    assert url in message
    assert "check" in message


@pytest.mark.parametrize("junk", JUNK_FOR_LISTS.values(), ids=JUNK_FOR_LISTS.keys())
@pytest.mark.parametrize("call", LIST_CALLS.values(), ids=LIST_CALLS.keys())
def test_every_list_endpoint_refuses_every_junk_answer(call: Call, junk: Answer, shared: JunkServer) -> None:
    _assert_refused(call, junk, shared)


@pytest.mark.parametrize("junk", JUNK_FOR_OBJECTS.values(), ids=JUNK_FOR_OBJECTS.keys())
@pytest.mark.parametrize("call", OBJECT_CALLS.values(), ids=OBJECT_CALLS.keys())
def test_every_object_endpoint_refuses_every_junk_answer(call: Call, junk: Answer, shared: JunkServer) -> None:
    _assert_refused(call, junk, shared)


@pytest.fixture(scope="module")
def shared() -> Iterator[JunkServer]:
    """One junk server for the wide matrices; each case sets its answer."""
    with junk_server(lambda request: None) as server:
        yield server


def _assert_refused(call: Call, junk: Answer, server: JunkServer) -> None:
    server.answer = lambda request: junk
    with _client(server.url) as client, pytest.raises(ServerError) as raised:
        call(client)
    _assert_one_line_error(raised.value, server.url)


@pytest.mark.parametrize("junk", JUNK.values(), ids=JUNK.keys())
def test_a_smoke_run_meeting_junk_is_a_failed_case_not_a_crash(junk: Answer, shared: JunkServer) -> None:
    shared.answer = lambda request: junk
    with _client(shared.url) as client:
        result = client.run_wait("a1", {"text": "ping"}, timeout=10)
    assert result.status in ("error", "success")
    assert "\n" not in (result.error or "")


@pytest.mark.parametrize("junk", JUNK_FOR_OBJECTS.values(), ids=JUNK_FOR_OBJECTS.keys())
def test_the_schemas_endpoint_refuses_junk(junk: Answer) -> None:
    def answer(request: Request) -> Answer:
        return _json([SYSTEM]) if request.path == "/assistants/search" else junk

    with junk_server(answer) as server, _client(server.url) as client:
        with pytest.raises(ServerError) as raised:
            client.graph_schema("agent")
    _assert_one_line_error(raised.value, server.url)
    assert "/assistants/a1/schemas" in str(raised.value)


@pytest.mark.parametrize("schemas", [{"context_schema": [1]}, {"config_schema": "x"}], ids=str)
def test_schemas_of_the_wrong_shape_are_refused(schemas: Any) -> None:
    def answer(request: Request) -> Answer:
        return _json([SYSTEM]) if request.path == "/assistants/search" else _json(schemas)

    with junk_server(answer) as server, _client(server.url) as client:
        with pytest.raises(ServerError, match=r"answer: the graph.s schemas: (context|config)_schema: Input should be"):
            client.graph_schema("agent")


@pytest.mark.parametrize("junk", JUNK.values(), ids=JUNK.keys())
def test_delete_refuses_redirects_and_ignores_nothing_else(junk: Answer) -> None:
    with junk_server(lambda request: junk) as server, _client(server.url) as client:
        if 300 <= junk.status < 400:
            with pytest.raises(ServerError, match="redirected"):
                client.delete("a1")
        else:
            client.delete("a1")  # a 2xx DELETE needs no body


def test_a_redirect_is_not_followed_and_names_where_it_pointed() -> None:
    junk = JUNK["redirect-to-login"]
    with junk_server(lambda request: junk) as server, _client(server.url) as client:
        with pytest.raises(ServerError) as raised:
            client.get("a1")
    assert len(server.requests) == 1
    assert str(raised.value) == (
        f"GET {server.url}/assistants/a1 -> 302: redirected to https://sso.example.com/login?next=/api; "
        "reconciler does not follow redirects: use the API server's own URL (check that the URL points at a "
        "LangGraph API server (not a proxy, login page or other service))"
    )


def test_html_is_named_by_its_title() -> None:
    with junk_server(lambda request: HTML) as server, _client(server.url) as client:
        with pytest.raises(ServerError) as raised:
            client.list_owned("team")
    assert str(raised.value) == (
        f"POST {server.url}/assistants/search -> 200: unexpected answer: an HTML page ('Sign in - Corp SSO') "
        "instead of JSON; check that the URL points at a LangGraph API server (not a proxy, login page or "
        "other service)"
    )


def test_a_bad_row_is_named_by_index_and_field_never_by_value() -> None:
    rows = [ASSISTANT, {**ASSISTANT, "assistant_id": "a2", "version": "sk-live-SECRET", "context": {"k": 1}}]
    with junk_server(lambda request: _json(rows)) as server, _client(server.url) as client:
        with pytest.raises(ServerError) as raised:
            client.list_owned("team")
    assert "assistants (row 1): version: Input should be a valid integer" in str(raised.value)
    assert "SECRET" not in str(raised.value)


@pytest.mark.parametrize("header", ["abc", "0", "-5", "1e3"])
def test_a_junk_pagination_header_is_refused_not_looped_on(header: str) -> None:
    page = Answer(200, json.dumps([ASSISTANT]).encode(), headers={"x-pagination-next": header})
    with junk_server(lambda request: page) as server, _client(server.url) as client:
        with pytest.raises(ServerError, match="x-pagination-next"):
            client.list_owned("team")
    assert len(server.requests) == 1


def test_a_server_that_ignores_the_offset_is_refused_not_looped_on() -> None:
    full = [{**ASSISTANT, "assistant_id": f"a{i}"} for i in range(1000)]
    with junk_server(lambda request: _json(full)) as server, _client(server.url) as client:
        with pytest.raises(ServerError, match="repeats the previous one"):
            client.list_owned("team")
    assert len(server.requests) == 2


@pytest.mark.parametrize(
    "body",
    [b"<html>\n<title>502 Bad Gateway</title>\n</html>", b"line one\nline two\n" * 200, b"", b'{"detail": "a\\nb"}'],
    ids=["html", "long-multiline-text", "empty", "multiline-detail"],
)
def test_error_bodies_become_one_short_line(body: bytes) -> None:
    with junk_server(lambda request: Answer(400, body, "text/html" if b"<" in body else "text/plain")) as server:
        with _client(server.url) as client, pytest.raises(ServerError) as raised:
            client.get("a1")
    message = str(raised.value)
    assert "\n" not in message and len(message) < 400, message
    assert message.startswith(f"GET {server.url}/assistants/a1 -> 400: request refused: ")


# --- the real CLI ----------------------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The example GitOps repository: valid files, so that every command gets as far as the server."""
    for folder in ("assistants.d", "schemas"):
        shutil.copytree(REPO_ROOT / folder, tmp_path / folder)
    shutil.copy(REPO_ROOT / "reconciler.yaml", tmp_path / "reconciler.yaml")
    return tmp_path


def _assert_clean_failure(result: subprocess.CompletedProcess[str], *expected: str) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for text in expected:
        assert text in lines[0]
    return lines[0]


COMMANDS = {
    "plan": ("plan",),
    "plan-json": ("plan", "--format", "json"),
    "apply": ("apply", "--auto-approve"),
    "schemas-pull": ("schemas", "pull"),
    "import": ("import",),
}


def _invoke(project: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> subprocess.CompletedProcess[str]:
    """The CLI in-process (fast, for the wide matrices), as the subprocess result the assertions read."""
    monkeypatch.chdir(project)
    for variable in ("LANGGRAPH_API_KEY", "LANGSMITH_API_KEY", "RECONCILER_URL"):
        monkeypatch.delenv(variable, raising=False)
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, result.stderr)


@pytest.mark.parametrize("junk", JUNK.values(), ids=JUNK.keys())
def test_plan_meets_any_junk_with_one_line(junk: Answer, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with junk_server(lambda request: junk) as server:
        result = _invoke(project, monkeypatch, "plan", "--url", server.url)
    _assert_clean_failure(result, server.url, "check")
    assert result.stdout == ""


@pytest.mark.parametrize("junk", ["html", "redirect-to-login", "list-of-junk", "cut-off-json"])
@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
def test_every_command_meets_junk_with_one_line(
    command: tuple[str, ...], junk: str, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with junk_server(lambda request: JUNK[junk]) as server:
        result = _invoke(project, monkeypatch, *command, "--url", server.url)
    _assert_clean_failure(result, server.url, "check")


@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
def test_the_real_cli_meets_junk_with_one_line(command: tuple[str, ...], project: Path, run_cli: RunCli) -> None:
    with junk_server(lambda request: HTML) as server:
        result = run_cli(*command, "--url", server.url, cwd=project)
    _assert_clean_failure(result, server.url, "an HTML page ('Sign in - Corp SSO') instead of JSON")


BAD_URLS = {
    "http://[::1": "Invalid IPv6 URL",
    "ftp://x": "only http:// and https:// are supported",
    "localhost:2024": "no scheme (did you mean 'http://localhost:2024'?)",
    "http://a b/": "must not contain spaces",
    "http://": "no host",
    "http://127.0.0.1:99999": "Port out of range",
    "http://127.0.0.1:abc": "Port could not be cast to integer",
    "http://127.0.0.1:2024/?x=1": "takes no '?query'",
}


@pytest.mark.parametrize(("url", "reason"), BAD_URLS.items(), ids=BAD_URLS.keys())
def test_a_bad_url_is_one_line_naming_it(
    url: str, reason: str, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for command in COMMANDS.values():
        result = _invoke(project, monkeypatch, *command, "--url", url)
        line = _assert_clean_failure(result, f"invalid server URL {url!r}", reason)
        assert line.endswith("check --url, RECONCILER_URL or `url` in reconciler.yaml")


def test_the_real_cli_refuses_a_bad_url_from_the_environment(project: Path, run_cli: RunCli) -> None:
    result = run_cli("plan", cwd=project, env={"RECONCILER_URL": "http://[::1"})
    _assert_clean_failure(result, "invalid server URL 'http://[::1': Invalid IPv6 URL")


def test_a_bad_url_in_reconciler_yaml_is_one_line(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "reconciler.yaml").write_text("owner: example\nurl: 'localhost:2024'\n", encoding="utf-8")
    result = _invoke(project, monkeypatch, "plan")
    _assert_clean_failure(result, "invalid server URL 'localhost:2024': no scheme")


def test_an_api_key_that_cannot_be_sent_is_one_line(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with junk_server(lambda request: HTML) as server:
        monkeypatch.setenv("LANGGRAPH_API_KEY", "sk-\u043a\u043b\n")
        monkeypatch.chdir(project)
        outcome = CliRunner().invoke(app, ["plan", "--url", server.url], catch_exceptions=False)
        result = subprocess.CompletedProcess([], outcome.exit_code, outcome.stdout, outcome.stderr)
    line = _assert_clean_failure(result, "the API key (LANGGRAPH_API_KEY / LANGSMITH_API_KEY)")
    assert "\u043a" not in line
    assert server.requests == []


# --- secrets the server echoes back -----------------------------------------------------------------------

PASSWORD = "pw-S3CRET-42"
API_KEY = "lsv2_sk_SECRET-KEY-0123456789"
ECHOES: dict[str, Callable[[str], Answer]] = {
    "401 json": lambda key: Answer(401, json.dumps({"detail": f"Invalid API key: {key}"}).encode()),
    "400 text": lambda key: Answer(400, f"bad header x-api-key={key}".encode(), "text/plain"),
    "403 html": lambda key: Answer(403, f"<html><title>Error for {key}</title></html>".encode(), "text/html"),
    "200 html": lambda key: Answer(200, f"<html><title>Hello {key}</title></html>".encode(), "text/html"),
    "200 junk row": lambda key: _json([{"assistant_id": key, "graph_id": key, "version": key}]),
    "redirect": lambda key: Answer(302, b"", "text/html", {"location": f"https://sso.example.com/?key={key}"}),
    "422 schema": lambda key: Answer(422, json.dumps(
        {"detail": f"'{key}' is not valid\n\nFailed validating 'type' in schema:\n\nOn instance['x']:\n    '{key}'"}
    ).encode()),
}
"""Error bodies quoting the request's x-api-key and Authorization headers back."""


@pytest.mark.parametrize("echo", ECHOES.values(), ids=ECHOES.keys())
@pytest.mark.parametrize("variable", ["LANGGRAPH_API_KEY", "LANGSMITH_API_KEY"])
def test_an_api_key_echoed_by_the_server_is_never_printed(
    echo: Callable[[str], Answer], variable: str, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def answer(request: Request) -> Answer:
        headers = {name.lower(): value for name, value in request.headers.items()}
        return echo(f"{headers.get('x-api-key')} {headers.get('authorization')}")

    with junk_server(answer) as server:
        url = server.url.replace("http://", f"http://deploy:{PASSWORD}@")
        results = []
        for command in COMMANDS.values():
            monkeypatch.setenv(variable, API_KEY)
            monkeypatch.chdir(project)
            outcome = CliRunner().invoke(app, [*command, "--url", url], catch_exceptions=False)
            results.append((outcome.exit_code, outcome.stdout + outcome.stderr))
    assert server.requests and all(r.headers.get("x-api-key") == API_KEY for r in server.requests)
    assert [code for code, _ in results] == [1] * len(COMMANDS)
    output = "".join(text for _, text in results)
    assert "deploy:***@" in output
    assert API_KEY not in output and PASSWORD not in output
    assert "ZGVwbG95On" not in output  # base64 of "deploy:", the start of the Basic header



class _Refusal:
    """Just what ``Answers.accepted_limit`` reads of a 422."""

    def __init__(self, body: Any) -> None:
        self.content = json.dumps(body).encode()
        self.text = self.content.decode()


@pytest.mark.parametrize(("body", "accepted"), [
    ({"detail": [{"type": "less_than_equal", "loc": ["body", "limit"], "ctx": {"le": 100}}]}, 100),
    ({"detail": [{"type": "less_than_equal", "loc": ["body", "limit"], "ctx": {}}]}, 50),
    ({"detail": "limit must be at most 250"}, 50),
    ({"detail": [{"type": "missing", "loc": ["body", "graph_id"]}]}, None),
    ({"detail": "Invalid JSON in request body"}, None),
])
def test_a_refusal_that_names_the_limit_gives_the_page_size_the_server_accepts(body: Any, accepted: int | None) -> None:
    from reconciler.server.answers import Answers

    assert Answers("http://x", str).accepted_limit(_Refusal(body), 50) == accepted  # type: ignore[arg-type]
