/** `npm start`: one process that serves HTTP and runs verification. */
import { runProcess } from "./run-process.ts";

runProcess("all").catch((err: unknown) => {
  process.stderr.write(`verimat failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
