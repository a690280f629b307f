/**
 * The built widget (apps/widget/dist): where it is, its HTML shell, and its hashed assets under
 * `/widget-assets/`, cached for a year because every file name carries a content hash.
 * @module
 */
import fs from "node:fs";
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
};

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
