/**
 * Loads face-api (detector, 68 landmarks, dlib-ResNet descriptor) and Human (mesh, iris, emotion) on the
 * tfjs WASM backend. Both libraries are required through CommonJS so that they share one tfjs engine.
 * @module
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type * as TfCore from "@tensorflow/tfjs-core";
import { AppError } from "@verimat/core";
import type * as FaceApi from "@vladmandic/face-api";
import type { Config as HumanConfig, Human as HumanInstance } from "@vladmandic/human";

export type TfModule = typeof TfCore;
export type FaceApiModule = typeof FaceApi;
export type { HumanInstance };

interface TfWasmModule {
  setWasmPaths(prefix: string): void;
}

interface HumanModule {
  Human: new (config?: Partial<HumanConfig>) => HumanInstance;
}

export interface FaceModels {
  tf: TfModule;
  faceapi: FaceApiModule;
  /** This instance's face-api nets (not the library's shared `faceapi.nets` singletons). */
  nets: {
    detector: FaceApi.SsdMobilenetv1;
    landmarks: FaceApi.FaceLandmark68Net;
    recognition: FaceApi.FaceRecognitionNet;
  };
  human: HumanInstance;
  loadMs: number;
  /** Frees this instance's face-api weights (Human's graph models are shared per process by Human). */
  dispose(): void;
}

const require = createRequire(import.meta.url);

/** Reads `file://` URLs for tfjs without touching the process-wide `fetch` that other code uses. */
async function fileFetch(input: string | URL | Request): Promise<Response> {
  const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
  const body = await readFile(fileURLToPath(url));
  return new Response(body);
}

/**
 * Human loads its graph models through tfjs IO by URL. Node's fetch cannot read `file://`, so instead
 * of replacing `globalThis.fetch` we register a tfjs load router that only claims `file://` URLs.
 * Registering twice would make tfjs see two handlers and refuse, hence the probe first.
 */
function ensureFileRouter(tf: TfModule): void {
  const probe = "file:///verimat-probe/model.json";
  if (tf.io.getLoadHandlers(probe).length > 0) return;
  // tfjs routers signal "not mine" with null although the published type omits it.
  const notMine = null as unknown as TfCore.io.IOHandler;
  tf.io.registerLoadRouter((url) =>
    typeof url === "string" && url.startsWith("file://")
      ? tf.io.http(url, { fetchFunc: fileFetch })
      : notMine,
  );
}

function humanConfig(humanRoot: string, wasmDir: string): Partial<HumanConfig> {
  return {
    backend: "wasm",
    wasmPath: wasmDir,
    modelBasePath: `${pathToFileURL(path.join(humanRoot, "models")).href}/`,
    debug: false,
    // Frames are independent uploads; Human's frame-to-frame cache would mix them up.
    cacheSensitivity: 0,
    async: false,
    warmup: "none",
    face: {
      enabled: true,
      detector: { enabled: true, rotation: true, maxDetected: 3, minConfidence: 0.3, return: false },
      mesh: { enabled: true },
      iris: { enabled: true },
      emotion: { enabled: true },
      // faceres embedding and the passive scores are not used by the mesh path (see MODELS.md).
      description: { enabled: false },
      antispoof: { enabled: false },
      liveness: { enabled: false },
      attention: { enabled: false },
      gear: { enabled: false },
    },
    body: { enabled: false },
    hand: { enabled: false },
    object: { enabled: false },
    segmentation: { enabled: false },
    gesture: { enabled: true },
    filter: { enabled: false },
  } as Partial<HumanConfig>;
}

/** Loads every model once. Throws `AppError("UNAVAILABLE")` when a model or the backend fails. */
export async function loadFaceModels(): Promise<FaceModels> {
  const started = performance.now();
  try {
    const tf = require("@tensorflow/tfjs-core") as TfModule;
    const wasm = require("@tensorflow/tfjs-backend-wasm") as TfWasmModule;
    // The packages' exports maps point Node at the tfjs-node builds; the wasm builds are loaded by path.
    const faceApiDist = path.dirname(require.resolve("@vladmandic/face-api"));
    const faceapi = require(path.join(faceApiDist, "face-api.node-wasm.js")) as FaceApiModule;
    const humanRoot = path.dirname(path.dirname(require.resolve("@vladmandic/human")));
    const { Human } = require(path.join(humanRoot, "dist", "human.node-wasm.js")) as HumanModule;
    const wasmDir = `${path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm"))}/`;

    wasm.setWasmPaths(wasmDir);
    if (tf.getBackend() !== "wasm") {
      const ok = await tf.setBackend("wasm");
      if (!ok) throw new Error("tfjs wasm backend failed to initialise");
    }
    await tf.ready();
    ensureFileRouter(tf);

    const modelDir = path.join(faceApiDist, "..", "model");
    const nets = {
      detector: new faceapi.SsdMobilenetv1(),
      landmarks: new faceapi.FaceLandmark68Net(),
      recognition: new faceapi.FaceRecognitionNet(),
    };
    await Promise.all([
      nets.detector.loadFromDisk(modelDir),
      nets.landmarks.loadFromDisk(modelDir),
      nets.recognition.loadFromDisk(modelDir),
    ]);

    const human = new Human(humanConfig(humanRoot, wasmDir));
    await human.load();
    const missing = ["blazeface", "facemesh", "iris", "emotion"].filter((name) => {
      const model = (human.models.models as Record<string, unknown>)[name];
      return model === null || model === undefined;
    });
    if (missing.length > 0) throw new Error(`Human models failed to load: ${missing.join(", ")}`);
    const dispose = (): void => {
      nets.detector.dispose();
      nets.landmarks.dispose();
      nets.recognition.dispose();
      // Human's models are not disposed: Human caches loaded graph models per process (by name), so
      // two Human instances share them and disposing one instance's would break the other.
    };
    return { tf, faceapi, nets, human, loadMs: performance.now() - started, dispose };
  } catch (cause) {
    throw new AppError("UNAVAILABLE", {
      detail: `face models failed to load: ${cause instanceof Error ? cause.message : String(cause)}`,
      cause,
    });
  }
}
