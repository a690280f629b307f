/**
 * The built widget (apps/widget/dist): where it is, its HTML shell, and its hashed assets under
 * `/widget-assets/`, cached for a year because every file name carries a content hash.
 * @module
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyPluginAsync } from "fastify";

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
 * On-device face tracking for the liveness prompts: Human's browser build, the four face models it
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
    for (const model of ["blazeface", "facemesh", "iris", "emotion"]) {
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

export const widgetAssetRoutes: FastifyPluginAsync<{ widgetDir: string | null }> = async (app, deps) => {
  const face = findFaceAssets();
  app.get<{ Params: { file: string } }>("/widget-assets/face/:file", async (request, reply) => {
    const file = face?.get(request.params.file);
    const type = TYPES[path.extname(request.params.file)];
    if (!file || !type) return reply.callNotFound();
    // Fixed names that change only with a package upgrade: a day of caching, revalidated after.
    return reply
      .header("cache-control", "public, max-age=86400")
      .header("cross-origin-resource-policy", "same-origin")
      .type(type)
      .send(fs.createReadStream(file));
  });

  app.get<{ Params: { file: string } }>("/widget-assets/:file", async (request, reply) => {
    const { file } = request.params;
    const type = TYPES[path.extname(file)];
    if (!deps.widgetDir || !type || !ASSET_NAME.test(file)) return reply.callNotFound();
    let bytes: Buffer;
    try {
      bytes = await fs.promises.readFile(path.join(deps.widgetDir, file));
    } catch {
      return reply.callNotFound();
    }
    return reply
      .header("cache-control", "public, max-age=31536000, immutable")
      .header("cross-origin-resource-policy", "same-origin")
      .type(type)
      .send(bytes);
  });
};
