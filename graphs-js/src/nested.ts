/** Echo graph `nested` (twin of graphs/nested.py): nested objects, an optional one, a list of objects and a
 * free-form mapping; echoes the run's context, defaults filled in, as JSON. */
import { z } from "zod";

import { echoGraph } from "./common.js";

const Retrieval = z.object({
  index: z.string().default("help-centre"),
  top_k: z.number().int().min(1).max(50).default(5),
});

const Tool = z.object({
  name: z.string(),
  enabled: z.boolean().default(true),
});

const NestedContext = z.object({
  system_prompt: z.string().default("You are helpful."),
  retrieval: Retrieval.default({ index: "help-centre", top_k: 5 }),
  fallback: Retrieval.nullable().default(null),
  tools: z.array(Tool).default([]),
  labels: z.record(z.string(), z.any()).default({}),
});

export const nested = echoGraph(NestedContext, (_state, config) => ({
  reply: JSON.stringify(NestedContext.parse(config.context ?? {})),
}));
