"""Graph `flaky`: its behaviour depends on its context, so smoke cases can pass, fail and time out.

``behaviour: echo`` replies ``<greeting>: <text>``; ``fail`` raises (the run ends in an error);
``sleep`` waits ``sleep_seconds`` before replying. No LLM, no keys.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal, TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime


@dataclass
class FlakyContext:
    behaviour: Literal["echo", "fail", "sleep"] = "echo"
    greeting: str = "pong"
    sleep_seconds: float = 30.0


class State(TypedDict, total=False):
    text: str
    reply: str


def respond(state: State, runtime: Runtime[FlakyContext]) -> State:
    ctx = runtime.context
    if ctx.behaviour == "fail":
        raise RuntimeError("flaky: this context is configured to fail")
    if ctx.behaviour == "sleep":
        time.sleep(ctx.sleep_seconds)
    return {"reply": f"{ctx.greeting}: {state.get('text', '')}"}


flaky = (
    StateGraph(State, context_schema=FlakyContext)
    .add_node("respond", respond)
    .add_edge(START, "respond")
    .add_edge("respond", END)
    .compile()
)
