// One of several processes starting together on one PostgreSQL schema (concurrent-migrate test).
import os from "node:os";
import { openDatabase } from "../src/index.ts";

const [url, schema] = process.argv.slice(2);
if (!url || !schema) throw new Error("usage: migrate-worker <postgres url> <schema>");
const h = await openDatabase({ url, dataDir: os.tmpdir(), pgSchema: schema, pgPoolSize: 2 });
process.stdout.write("migrated\n");
await h.close();
