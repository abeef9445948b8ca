"""Echo graph `agent`: dataclass ``context_schema``; the node echoes the run's context (no LLM)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime


@dataclass
class AgentContext:
    system_prompt: str = "You are helpful."
    model_name: Literal["anthropic", "openai"] = "anthropic"
    temperature: float = 0.0
    max_tokens: int | None = None


class State(TypedDict, total=False):
    question: str
    reply: str


def respond(state: State, runtime: Runtime[AgentContext]) -> State:
    ctx = runtime.context
    return {"reply": f"{ctx.model_name}|{ctx.system_prompt}|{ctx.temperature}|{ctx.max_tokens}"}


agent = (
    StateGraph(State, context_schema=AgentContext)
    .add_node("respond", respond)
    .add_edge(START, "respond")
    .add_edge("respond", END)
    .compile()
)
