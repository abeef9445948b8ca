"""Echo graph `legacy`: deprecated pydantic ``config_schema=``; the node echoes ``config["configurable"]``."""

from __future__ import annotations

from typing import Literal, TypedDict

from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, StateGraph
from pydantic import BaseModel, Field, SecretStr


class LegacyConfig(BaseModel):
    system_prompt: str = Field(description="System prompt; required, no default.")
    model_name: Literal["anthropic", "openai"] = "anthropic"
    temperature: float = Field(0.0, ge=0, le=2, description="Sampling temperature.")
    max_retries: int = Field(2, ge=0, le=10, description="Retries per call.")
    api_key: SecretStr | None = Field(None, description="Provider API key (secret).")


class State(TypedDict, total=False):
    question: str
    reply: str


def respond(state: State, config: RunnableConfig) -> State:
    c = config.get("configurable", {})
    return {"reply": f"{c.get('model_name')}|{c.get('system_prompt')}|{c.get('temperature')}"}


legacy = (
    StateGraph(State, config_schema=LegacyConfig)
    .add_node("respond", respond)
    .add_edge(START, "respond")
    .add_edge("respond", END)
    .compile()
)
