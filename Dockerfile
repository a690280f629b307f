# Verimat: one image for every role (`serve`, `worker`, or both by default).
#   docker build -t verimat .
#   docker run -p 8080:8080 -v verimat-data:/data verimat            # single process on SQLite
#   docker compose up                                                 # the production shape (compose.yaml)

# Node 24 (LTS) in both stages: Node 20 reached end of life in April 2026, and cookie@2 and
# content-disposition@3 declare Node >= 22. package.json's engines (>= 20.19) is the tested minimum.
FROM node:24-bookworm-slim AS build
WORKDIR /app
# Toolchain for native modules that have no prebuilt binary for this platform (better-sqlite3).
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY . .
# `npm ci` installs every workspace with its dev dependencies (esbuild, vite: the build needs them) and
# runs `prepare` = scripts/build.mjs (server bundle, widget, dashboard, SDKs); install scripts build
# the native modules (.npmrc skips onnxruntime-node's GPU download). Then `npm prune --omit=dev` drops
# the dev dependencies of the root and of every workspace (they are hoisted to the root). The bundle
# keeps every npm package external, and they are all production dependencies of a workspace.
# Then what the image can never load goes (about 280 MB on linux/x64):
# - onnxruntime-node ships its CPU binaries for every platform (darwin/arm64, win32/{x64,arm64},
#   linux/{x64,arm64}) and loads bin/napi-v6/<process.platform>/<process.arch>/; only the folder of
#   the platform this stage runs on stays (node prints the names onnxruntime uses: linux/x64 for
#   amd64, linux/arm64 for arm64).
# - better-sqlite3, when compiled here (no prebuilt binary fetched), leaves its object files, static
#   library, test extension and the SQLite sources; it loads only build/Release/better_sqlite3.node.
# Every other native package (sharp/@img, @napi-rs/canvas, argon2) is installed for this platform
# only, through its optional dependencies. The last line fails the build if a pruned module no
# longer loads.
RUN npm ci --no-audit --no-fund \
 && npm prune --omit=dev --no-audit --no-fund \
 && ort=node_modules/onnxruntime-node/bin/napi-v6 \
 && keep="$(node -p 'process.platform + "/" + process.arch')" \
 && test -f "$ort/$keep/onnxruntime_binding.node" \
 && for dir in "$ort"/*/*; do [ "$dir" = "$ort/$keep" ] || rm -rf "$dir"; done \
 && find "$ort" -mindepth 1 -maxdepth 1 -type d -empty -delete \
 && sqlite=node_modules/better-sqlite3 \
 && mv "$sqlite/build/Release/better_sqlite3.node" /tmp/ \
 && rm -rf "$sqlite/build" "$sqlite/deps" \
 && mkdir -p "$sqlite/build/Release" \
 && mv /tmp/better_sqlite3.node "$sqlite/build/Release/" \
 && node -e "require('onnxruntime-node'); new (require('better-sqlite3'))(':memory:').close()"

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    DATA_DIR=/data \
    PORT=8080 \
    HOST=0.0.0.0
COPY --from=build --chown=root:root /app /app
# The app's files stay root-owned and read-only to the service user; it writes only to /data.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.METRICS_PORT||process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "apps/server/bin/verimat.js"]
CMD ["start"]
