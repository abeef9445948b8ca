from __future__ import annotations

from pathlib import Path

from reconciler.adoption.importing import import_files, spec_document, spec_id_for
from reconciler.desired.envrefs import EnvRef
from reconciler.desired.loading import load_desired_state
from reconciler.desired.spec import ID_KEY, OWNER_KEY, default_assistant_id
from reconciler.planning.plan import Change, Update
from reconciler.planning.planner import build_plan
from reconciler.planning.request import PlanRequest
from tests.core.factories import OWNER, SCHEMAS, SERVER, make_live, make_server, owned

EXPLICIT = "11111111-1111-4111-8111-111111111111"


def test_spec_document_drops_reserved_metadata_nulls_and_empty_fields() -> None:
    live = make_live(
        "x",
        assistant_id=EXPLICIT,
        name="Support",
        description="",
        context={"model_name": "openai"},
        config={"tags": ["a"], "configurable": {"model_name": "openai"}},
        metadata={"team": "s", "gone": None, ID_KEY: "old", OWNER_KEY: "nobody", "reconciler/other": 1},
    )
    document = spec_document(live, "support")
    assert document == {
        "id": "support",
        "graph_id": "agent",
        "assistant_id": EXPLICIT,
        "name": "Support",
        "context": {"model_name": "openai"},
        "config": {"tags": ["a"]},
        "metadata": {"team": "s"},
    }
    assert list(document) == ["id", "graph_id", "assistant_id", "name", "context", "config", "metadata"]


def test_spec_document_of_a_bare_assistant() -> None:
    live = make_live("x", assistant_id=EXPLICIT, name=None, description="Answers", metadata={"gone": None})
    assert spec_document(live, "bare") == {
        "id": "bare",
        "graph_id": "agent",
        "assistant_id": EXPLICIT,
        "name": "bare",
        "description": "Answers",
    }


def test_spec_document_writes_secrets_by_name_and_by_the_schema_as_env_references() -> None:
    live = make_live(
        "x",
        context={"retrieval": {"pin": "1234", "index": "docs"}, "tools": [{"auth_token": "t"}], "model_name": "o"},
        metadata={"webhook_secret": {"url": "u"}, "team": "s"},
    )
    document = spec_document(live, "bot", frozenset({("retrieval", "pin")}))
    assert document["context"] == {
        "retrieval": {"pin": EnvRef("BOT_RETRIEVAL_PIN"), "index": "docs"},
        "tools": [{"auth_token": EnvRef("BOT_TOOLS_0_AUTH_TOKEN")}],
        "model_name": "o",
    }
    assert document["metadata"] == {"webhook_secret": {"url": EnvRef("BOT_WEBHOOK_SECRET_URL")}, "team": "s"}
    assert spec_document(live, "bot")["context"]["retrieval"] == {"pin": "1234", "index": "docs"}


def test_ids_are_slugged_and_de_duplicated() -> None:
    taken = {"support-bot"}
    ids = [
        spec_id_for(make_live(name="Support Bot!"), taken),
        spec_id_for(make_live(name="support   bot"), taken),
        spec_id_for(make_live(name="_Ünïcode Name_"), taken),
        spec_id_for(make_live(name="...", assistant_id=EXPLICIT), taken),
        spec_id_for(make_live(name=None, assistant_id=EXPLICIT), taken),
        spec_id_for(make_live(name="x" * 120), taken),
        spec_id_for(make_live(name="Other", metadata={ID_KEY: "managed-as"}), taken),
        spec_id_for(make_live(name="v1.2_beta"), taken),
    ]
    assert ids == [
        "support-bot-2",
        "support-bot-3",
        "n-code-name",
        "assistant-11111111",
        "assistant-11111111-2",
        "x" * 90,
        "managed-as",
        "v1.2_beta",
    ]
    assert taken == {"support-bot", *ids}


def test_import_writes_unmanaged_assistants_and_skips_the_rest(tmp_path: Path) -> None:
    out = tmp_path / "assistants.d"
    out.mkdir()
    (out / "support.yaml").write_text("keep me\n")
    mine = make_live("mine", name="Mine", metadata=owned("mine"))
    theirs = make_live("theirs", name="Theirs", metadata=owned("theirs", owner="billing"))
    system = make_live("agent", name="agent", metadata={"created_by": "system"})
    first = make_live("s1", name="Support", context={"model_name": "openai"})
    second = make_live("s2", name="Support", description="Second\nline")
    written, skipped = import_files([second, theirs, system, mine, first], out, OWNER)
    ordered = sorted([first, second], key=lambda a: a.assistant_id)
    assert written == [out / "support-2.yaml", out / "support-3.yaml"]
    assert skipped == [
        f"{mine.assistant_id} (Mine): already managed",
        f"{theirs.assistant_id} (Theirs): managed by owner 'billing'",
    ]
    assert (out / "support.yaml").read_text() == "keep me\n"
    assert sorted(p.name for p in out.iterdir()) == ["support-2.yaml", "support-3.yaml", "support.yaml"]
    assert (
        (out / "support-2.yaml")
        .read_text()
        .startswith(f"id: support-2\ngraph_id: agent\nassistant_id: {ordered[0].assistant_id}\n")
    )


def test_imported_files_load_and_plan_as_a_pure_adoption(tmp_path: Path) -> None:
    server = make_server()
    live = server.seed(
        EXPLICIT,
        {"name": "Old", "context": {"model_name": "openai"}, "metadata": {"team": "s"}},
        {
            "name": "Support",
            "description": "Multi\nline",
            "context": {"model_name": "anthropic", "temperature": 0.5},
            "config": {"tags": ["a"], "recursion_limit": 5, "configurable": {"model_name": "anthropic"}},
            "metadata": {"team": "s", "gone": None},
        },
    )
    written, skipped = import_files([live], tmp_path, OWNER)
    assert (written, skipped) == ([tmp_path / "support.yaml"], [])
    loaded = load_desired_state(tmp_path)
    assert loaded.problems == []
    request = PlanRequest(desired=loaded.desired, schemas=dict(SCHEMAS), owner=OWNER, server=SERVER)
    (update,) = build_plan(request, server).actions
    assert isinstance(update, Update)
    assert (update.id, update.assistant_id, update.adopt) == ("support", EXPLICIT, True)
    assert update.changes == (
        Change(path="metadata.reconciler/id", after="support"),
        Change(path="metadata.reconciler/owner", after=OWNER),
    )


def test_import_does_not_reuse_an_id_declared_in_another_file(tmp_path: Path) -> None:
    (tmp_path / "bots.yaml").write_text("id: support\ngraph_id: agent\n")
    written, _ = import_files([make_live("s", name="Support")], tmp_path, OWNER)
    assert written == [tmp_path / "support-2.yaml"]
    assert load_desired_state(tmp_path).problems == []


def test_server_supplied_managed_id_is_slugged(tmp_path: Path) -> None:
    # "../../x" would write outside the folder (even to /x.yaml); "Team/Bot" stays inside tmp_path.
    written, _ = import_files([make_live("s", name="x", metadata={ID_KEY: "Team/Bot"})], tmp_path, OWNER)
    assert written == [tmp_path / "team-bot.yaml"]


def test_a_managed_id_from_the_server_cannot_escape_the_folder(tmp_path: Path) -> None:
    out = tmp_path / "assistants.d"
    written, _ = import_files([make_live("s", name="x", metadata={ID_KEY: "../../escaped"})], out, OWNER)
    assert written == [out / "escaped.yaml"]
    assert sorted(p.name for p in tmp_path.rglob("*.yaml")) == ["escaped.yaml"]


def test_importing_again_writes_nothing_new(tmp_path: Path) -> None:
    assistants = [make_live("s1", name="Support"), make_live("s2", name="Triage", context={"model_name": "openai"})]
    first, _ = import_files(assistants, tmp_path, OWNER)
    contents = {path.name: path.read_text() for path in tmp_path.iterdir()}
    second, skipped = import_files(assistants, tmp_path, OWNER)
    assert [p.name for p in first] == ["support.yaml", "triage.yaml"]
    assert second == []
    assert skipped == [
        f"{assistants[0].assistant_id} (Support): already in {tmp_path / 'support.yaml'}",
        f"{assistants[1].assistant_id} (Triage): already in {tmp_path / 'triage.yaml'}",
    ]
    assert {path.name: path.read_text() for path in tmp_path.iterdir()} == contents


def test_an_assistant_declared_by_its_default_id_is_not_imported_again(tmp_path: Path) -> None:
    (tmp_path / "bots.yaml").write_text("id: support\ngraph_id: agent\n")
    live = make_live("support", name="Support", assistant_id=default_assistant_id("support"))
    assert import_files([live, live], tmp_path, OWNER)[0] == []


def test_configurable_is_read_as_the_context_when_the_server_does_not_mirror_it() -> None:
    live = make_live("x", assistant_id=EXPLICIT, name="S", config={"tags": ["a"], "configurable": {"model_name": "x"}})
    document = spec_document(live, "s")
    assert (document["context"], document["config"]) == ({"model_name": "x"}, {"tags": ["a"]})


def test_an_assistant_of_a_graph_the_server_does_not_serve_is_skipped_naming_the_graph(tmp_path: Path) -> None:
    gone = make_live("x", assistant_id=EXPLICIT, name="Old", graph_id="typed", metadata={})
    kept = make_live("y", name="New", metadata={})
    written, skipped = import_files([gone, kept], tmp_path, OWNER, served={"agent"})
    assert [path.name for path in written] == ["new.yaml"]
    assert skipped == [
        f"{EXPLICIT} (Old): its graph 'typed' is not served by this server (which may hide the assistant); serve the "
        "graph again to import it"
    ]
