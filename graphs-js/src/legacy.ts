/** Echo graph `legacy` (twin of graphs/legacy.py): the old style, reading `config.configurable` rather than
 * the run's context; `system_prompt` is required. */
import { withLangGraph } from "@langchain/langgraph/zod";
import { z } from "zod";

import { echoGraph, joined } from "./common.js";

const LegacyConfig = z.object({
  system_prompt: z.string().describe("System prompt; required, no default."),
  model_name: z.enum(["anthropic", "openai"]).default("anthropic"),
  temperature: z.number().min(0).max(2).default(0).describe("Sampling temperature."),
  max_retries: z.number().int().min(0).max(10).default(2).describe("Retries per call."),
  // writeOnly + format password, as pydantic's SecretStr gives: the schema marks the key secret.
  api_key: withLangGraph(z.string().nullable().default(null), {
    jsonSchemaExtra: { format: "password", writeOnly: true },
  }),
});

export const legacy = echoGraph(LegacyConfig, (_state, config) => {
  const c = (config.configurable ?? {}) as Record<string, unknown>;
  return joined([c.model_name, c.system_prompt, c.temperature]);
});
