/** Graph `flaky` (twin of graphs/flaky.py): its context makes smoke cases pass (`echo`), fail (`fail`: the
 * run ends in an error) or time out (`sleep` for `sleep_seconds`). */
import { setTimeout as sleep } from "node:timers/promises";

import { z } from "zod";

import { echoGraph } from "./common.js";

/** Named like the Python twin's exception, so that a failed run reads the same on both servers. */
class RuntimeError extends Error {
  override name = "RuntimeError";
}

const FlakyContext = z.object({
  behaviour: z.enum(["echo", "fail", "sleep"]).default("echo"),
  greeting: z.string().default("pong"),
  sleep_seconds: z.number().default(30),
});

export const flaky = echoGraph(FlakyContext, async (state, config) => {
  const ctx = FlakyContext.parse(config.context ?? {});
  if (ctx.behaviour === "fail") throw new RuntimeError("flaky: this context is configured to fail");
  if (ctx.behaviour === "sleep") await sleep(ctx.sleep_seconds * 1000);
  return { reply: `${ctx.greeting}: ${state.text ?? ""}` };
});
