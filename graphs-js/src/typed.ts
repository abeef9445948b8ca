/** Echo graph `typed` (twin of graphs/typed.py): every key optional, no defaults; echoes the run's context. */
import { z } from "zod";

import { echoGraph, joined } from "./common.js";

const TypedContext = z.object({
  system_prompt: z.string().optional(),
  model_name: z.enum(["anthropic", "openai"]).optional(),
  temperature: z.number().optional(),
});

export const typed = echoGraph(TypedContext, (_state, config) => {
  const ctx = (config.context ?? {}) as z.infer<typeof TypedContext>;
  return joined([ctx.model_name, ctx.system_prompt, ctx.temperature]);
});
