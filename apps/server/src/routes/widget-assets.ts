/**
 * The built widget (apps/widget/dist): where it is, its HTML shell, and its hashed assets under
 * `/widget-assets/`, cached for a year because every file name carries a content hash.
 * @module
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".woff2": "font/woff2",
  ".json": "application/json",
  ".bin": "application/octet-stream",
  ".wasm": "application/wasm",
};

/**
 * On-device face tracking for the liveness prompts: Human's browser build, the three face models it
 * needs, and the tfjs wasm binaries, served from our own origin out of node_modules (nothing fetched
 * from elsewhere). Null when the packages are not installed: the widget then runs without guidance.
 */
export function findFaceAssets(): Map<string, string> | null {
  try {
    const require = createRequire(import.meta.url);
    const humanDist = path.dirname(require.resolve("@vladmandic/human"));
    const models = path.join(humanDist, "../models");
    const wasmDist = path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm"));
    const files = new Map<string, string>([["human.esm.js", path.join(humanDist, "human.esm.js")]]);
    for (const model of ["blazeface", "facemesh", "emotion"]) {
      files.set(`${model}.json`, path.join(models, `${model}.json`));
      files.set(`${model}.bin`, path.join(models, `${model}.bin`));
    }
    for (const wasm of [
      "tfjs-backend-wasm.wasm",
      "tfjs-backend-wasm-simd.wasm",
      "tfjs-backend-wasm-threaded-simd.wasm",
    ]) {
      files.set(wasm, path.join(wasmDist, wasm));
    }
    return [...files.values()].every((f) => fs.existsSync(f)) ? files : null;
  } catch {
    return null;
  }
}

/** Vite's output names: a plain file, no directories, no dot-files. */
const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,200}$/;

/**
 * The widget's build folder: beside the server in the repo layout, both from source
 * (apps/server/src/routes) and from the bundle (apps/server/dist). Null when the widget is not built.
 */
export function findWidgetDir(): string | null {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.resolve(here, "../../../widget/dist"), path.resolve(here, "../../widget/dist")];
  return candidates.find((dir) => fs.existsSync(path.join(dir, "index.html"))) ?? null;
}

/** Text-like assets worth compressing (model weights are float noise to gzip). */
const COMPRESSIBLE = new Set([".js", ".css", ".json", ".svg", ".wasm"]);

export const widgetAssetRoutes: FastifyPluginAsync<{ widgetDir: string | null }> = async (app, deps) => {
  const face = findFaceAssets();
  // A handful of fixed files: each is read and gzipped once, then answered from memory.
  const cache = new Map<string, { raw: Buffer; gzip: Buffer | null }>();

  async function sendFile(request: FastifyRequest, reply: FastifyReply, file: string, type: string) {
    let entry = cache.get(file);
    if (!entry) {
      const raw = await fs.promises.readFile(file);
      entry = { raw, gzip: COMPRESSIBLE.has(path.extname(file)) ? gzipSync(raw, { level: 9 }) : null };
      cache.set(file, entry);
    }
    reply.header("cross-origin-resource-policy", "same-origin").header("vary", "accept-encoding").type(type);
    const accepts = String(request.headers["accept-encoding"] ?? "");
    if (entry.gzip && /\bgzip\b/.test(accepts))
      return reply.header("content-encoding", "gzip").send(entry.gzip);
    return reply.send(entry.raw);
  }

  app.get<{ Params: { file: string } }>("/widget-assets/face/:file", async (request, reply) => {
    const file = face?.get(request.params.file);
    const type = TYPES[path.extname(request.params.file)];
    if (!file || !type) return reply.callNotFound();
    // Fixed names that change only with a package upgrade: a day of caching, revalidated after.
    reply.header("cache-control", "public, max-age=86400");
    return sendFile(request, reply, file, type);
  });

  app.get<{ Params: { file: string } }>("/widget-assets/:file", async (request, reply) => {
    const { file } = request.params;
    const type = TYPES[path.extname(file)];
    if (!deps.widgetDir || !type || !ASSET_NAME.test(file)) return reply.callNotFound();
    const full = path.join(deps.widgetDir, file);
    if (!fs.existsSync(full)) return reply.callNotFound();
    reply.header("cache-control", "public, max-age=31536000, immutable");
    return sendFile(request, reply, full, type);
  });
};
