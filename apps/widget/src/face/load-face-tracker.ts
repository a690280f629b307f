/**
 * On-device face tracking for the liveness prompts (Human's browser build with the wasm backend: detector, mesh, emotion),
 * loaded from our own origin in the background. Guidance only: when it cannot load, the widget runs
 * the prompts on a timer and the server still decides.
 * @module
 */
import type { FaceMeasures } from "../flow/prompt-check.ts";

export interface FaceTracker {
  /** Measures the first face in the current video frame; null when there is none. */
  measure(video: HTMLVideoElement): Promise<FaceMeasures | null>;
}

/** The few parts of Human's API the widget uses (its own types would pull its whole bundle in). */
interface HumanResult {
  face: Array<{
    rotation?: { angle?: { yaw: number; pitch: number; roll: number } } | null;
    emotion?: Array<{ score: number; emotion: string }>;
  }>;
  gesture: Array<{ gesture: string }>;
}
interface HumanInstance {
  load(): Promise<void>;
  detect(input: HTMLVideoElement): Promise<HumanResult>;
}
type HumanConstructor = new (config: Record<string, unknown>) => HumanInstance;

const DEG = 180 / Math.PI;

export async function loadFaceTracker(base = "/widget-assets/face/"): Promise<FaceTracker | null> {
  try {
    const mod = (await import(/* @vite-ignore */ `${base}human.esm.js`)) as { Human?: HumanConstructor };
    if (!mod.Human) return null;
    const human = new mod.Human({
      backend: "wasm",
      wasmPath: base,
      modelBasePath: base,
      debug: false,
      // Human's warm-up decodes an embedded data: image, which the page's CSP (connect-src 'self') refuses.
      warmup: "none",
      face: {
        enabled: true,
        detector: { modelPath: "blazeface.json", maxDetected: 1, rotation: false },
        mesh: { enabled: true, modelPath: "facemesh.json" },
        // Blinks come from the mesh (468 points); the iris model would add 2.6 MB for nothing here.
        iris: { enabled: false },
        emotion: { enabled: true, modelPath: "emotion.json" },
        description: { enabled: false },
        antispoof: { enabled: false },
        liveness: { enabled: false },
      },
      body: { enabled: false },
      hand: { enabled: false },
      object: { enabled: false },
      segmentation: { enabled: false },
      gesture: { enabled: true },
    });
    await human.load();
    return {
      async measure(video) {
        const r = await human.detect(video);
        const angle = r.face[0]?.rotation?.angle;
        if (!angle) return null;
        const gestures = r.gesture.map((g) => g.gesture);
        return {
          yaw: angle.yaw * DEG,
          pitch: angle.pitch * DEG,
          roll: angle.roll * DEG,
          eyesClosed: gestures.some((g) => g.startsWith("blink")),
          smile: r.face[0]?.emotion?.find((e) => e.emotion === "happy")?.score ?? 0,
        };
      },
    };
  } catch {
    return null;
  }
}
