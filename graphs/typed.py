"""Echo graph `typed`: TypedDict (total=False) ``context_schema``; the node echoes the run's context."""

from __future__ import annotations

from typing import Literal

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from typing_extensions import TypedDict  # pydantic needs this one on Python < 3.12 (else /schemas 500s)


class TypedContext(TypedDict, total=False):
    system_prompt: str
    model_name: Literal["anthropic", "openai"]
    temperature: float


class State(TypedDict, total=False):
    question: str
    reply: str


def respond(state: State, runtime: Runtime[TypedContext]) -> State:
    ctx = runtime.context or {}
    return {"reply": f"{ctx.get('model_name')}|{ctx.get('system_prompt')}|{ctx.get('temperature')}"}


typed = (
    StateGraph(State, context_schema=TypedContext)
    .add_node("respond", respond)
    .add_edge(START, "respond")
    .add_edge("respond", END)
    .compile()
)
