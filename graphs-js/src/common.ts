/** What the echo graphs share: their state (a question or a text in, a reply out) and the reply's format. */
import { END, START, StateGraph, type LangGraphRunnableConfig } from "@langchain/langgraph";
import { z } from "zod";

export const State = z.object({
  question: z.string().optional(),
  text: z.string().optional(),
  reply: z.string().optional(),
});

export type Respond = (
  state: z.infer<typeof State>,
  config: LangGraphRunnableConfig,
) => Promise<{ reply: string }> | { reply: string };

/** `a|b|c` like the Python graphs' f-strings, with `None` for a missing value. */
export function joined(parts: unknown[]): { reply: string } {
  return { reply: parts.map((part) => (part === null || part === undefined ? "None" : String(part))).join("|") };
}

/** START -> respond -> END, with `contextSchema` as the graph's context (and so its config/context schema). */
export function echoGraph<C extends z.AnyZodObject>(contextSchema: C, respond: Respond) {
  return new StateGraph(State, contextSchema)
    .addNode("respond", respond)
    .addEdge(START, "respond")
    .addEdge("respond", END)
    .compile();
}
