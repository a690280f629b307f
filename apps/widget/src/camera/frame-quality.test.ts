import { describe, expect, it } from "vitest";
import { createAutoCapture, type GreyFrame, measureFrame, qualityIssue, toGrey } from "./frame-quality.ts";

const W = 64;
const H = 40;

/** A printed-page stand-in: dark text strokes on a light card, optionally blurred, dimmed or shifted. */
function page(opts: { shift?: number; level?: number; blur?: boolean; glare?: number } = {}): GreyFrame {
  const level = opts.level ?? 1;
  const data = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const stroke = (x + (opts.shift ?? 0)) % 6 < 2 && y % 8 < 5;
      data[y * W + x] = Math.round((stroke ? 40 : 210) * level);
    }
  }
  if (opts.blur) {
    const out = new Uint8Array(data.length);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        let s = 0;
        let c = 0;
        for (let dy = -5; dy <= 5; dy++) {
          for (let dx = -5; dx <= 5; dx++) {
            const v = data[Math.min(H - 1, Math.max(0, y + dy)) * W + Math.min(W - 1, Math.max(0, x + dx))];
            s += v ?? 0;
            c++;
          }
        }
        out[y * W + x] = Math.round(s / c);
      }
    }
    return { width: W, height: H, data: out };
  }
  for (let i = 0; i < Math.round((opts.glare ?? 0) * data.length); i++) data[i] = 255;
  return { width: W, height: H, data };
}

describe("frame quality", () => {
  it("passes a steady, sharp, well-lit document", () => {
    const m = measureFrame(page(), page());
    expect(m.motion).toBe(0);
    expect(qualityIssue(m)).toBeNull();
  });

  it("names what is wrong: dark, glare, moving, blurry", () => {
    expect(qualityIssue(measureFrame(page({ level: 0.2 }), page({ level: 0.2 })))).toBe("dark");
    expect(qualityIssue(measureFrame(page({ glare: 0.2 }), page({ glare: 0.2 })))).toBe("glare");
    expect(qualityIssue(measureFrame(page({ shift: 3 }), page()))).toBe("moving");
    expect(qualityIssue(measureFrame(page(), null))).toBe("moving");
    expect(qualityIssue(measureFrame(page({ blur: true }), page({ blur: true })))).toBe("blurry");
  });

  it("measures sharpness far apart for crisp and blurred print", () => {
    const crisp = measureFrame(page(), null).sharpness;
    const soft = measureFrame(page({ blur: true }), null).sharpness;
    expect(crisp).toBeGreaterThan(10 * soft);
  });

  it("converts canvas RGBA to luma", () => {
    const rgba = new Uint8ClampedArray([255, 255, 255, 255, 0, 0, 0, 255, 255, 0, 0, 255]);
    expect([...toGrey(rgba, 3, 1).data]).toEqual([255, 0, 76]);
  });
});

describe("auto capture", () => {
  it("shoots after enough consecutive good frames, never during the warm-up", () => {
    const auto = createAutoCapture({ goodFrames: 3, warmupMs: 1000 });
    expect(auto.next(null, 200)).toBe(false);
    expect(auto.next(null, 400)).toBe(false);
    expect(auto.next(null, 600)).toBe(false); // three good frames, still warming up
    expect(auto.next(null, 1000)).toBe(true);
  });

  it("starts counting again after a bad frame", () => {
    const auto = createAutoCapture({ goodFrames: 3, warmupMs: 0 });
    auto.next(null, 0);
    auto.next(null, 1);
    expect(auto.next("moving", 2)).toBe(false);
    expect(auto.next(null, 3)).toBe(false);
    expect(auto.next(null, 4)).toBe(false);
    expect(auto.next(null, 5)).toBe(true);
  });
});
