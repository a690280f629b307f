import { describe, expect, it } from "vitest";
import { classifyCameraError } from "./camera-error.ts";

function named(name: string): { name: string } {
  return { name };
}

describe("classifyCameraError", () => {
  it("tells a denial, a missing camera and a busy one apart", () => {
    expect(classifyCameraError(named("NotAllowedError"), false)).toBe("denied");
    expect(classifyCameraError(named("NotFoundError"), false)).toBe("missing");
    expect(classifyCameraError(named("NotReadableError"), false)).toBe("busy");
    expect(classifyCameraError(new TypeError("no mediaDevices"), false)).toBe("unsupported");
  });

  it("blames the embedding page when it did not delegate the camera", () => {
    expect(classifyCameraError(named("NotAllowedError"), true)).toBe("frame");
  });
});
