/** Echo graph `agent` (twin of graphs/agent.py): defaults for every key; echoes the run's context. */
import { z } from "zod";

import { echoGraph, joined } from "./common.js";

const AgentContext = z.object({
  system_prompt: z.string().default("You are helpful."),
  model_name: z.enum(["anthropic", "openai"]).default("anthropic"),
  temperature: z.number().default(0),
  max_tokens: z.number().int().nullable().default(null),
});

export const agent = echoGraph(AgentContext, (_state, config) => {
  const ctx = AgentContext.parse(config.context ?? {});
  return joined([ctx.model_name, ctx.system_prompt, ctx.temperature, ctx.max_tokens]);
});
