"""Echo graph `nested`: pydantic ``context_schema`` with nested models (a retrieval model, an optional one,
a list of tool models) and a free-form mapping; the node echoes the run's context as JSON (no LLM)."""

from __future__ import annotations

from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from pydantic import BaseModel, Field
from typing_extensions import TypedDict


class Retrieval(BaseModel):
    index: str = "help-centre"
    top_k: int = Field(default=5, ge=1, le=50)


class Tool(BaseModel):
    name: str
    enabled: bool = True


class NestedContext(BaseModel):
    system_prompt: str = "You are helpful."
    retrieval: Retrieval = Retrieval()
    fallback: Retrieval | None = None
    tools: list[Tool] = []
    labels: dict[str, Any] = {}
    """Free-form: any keys."""


class State(TypedDict, total=False):
    question: str
    reply: str


def respond(state: State, runtime: Runtime[NestedContext]) -> State:
    ctx = runtime.context
    reply = ctx.model_dump_json() if isinstance(ctx, BaseModel) else repr(ctx)
    return {"reply": reply}


nested = (
    StateGraph(State, context_schema=NestedContext)
    .add_node("respond", respond)
    .add_edge(START, "respond")
    .add_edge("respond", END)
    .compile()
)
