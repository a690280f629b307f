import { describe, expect, it } from "vitest";
import { isInAppBrowser } from "./in-app-browser.ts";

describe("isInAppBrowser", () => {
  it("recognises social-app browsers and Android WebViews, not the real browsers", () => {
    expect(
      isInAppBrowser(
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Instagram 305.0.0",
      ),
    ).toBe(true);
    expect(
      isInAppBrowser(
        "Mozilla/5.0 (Linux; Android 13; Pixel 7 Build/TQ3A; wv) AppleWebKit/537.36 Chrome/119.0 Mobile Safari/537.36",
      ),
    ).toBe(true);
    expect(isInAppBrowser("Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 [FBAN/FBIOS;FBAV/440.0]")).toBe(true);
    expect(
      isInAppBrowser(
        "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0 Mobile Safari/537.36",
      ),
    ).toBe(false);
    expect(
      isInAppBrowser(
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1",
      ),
    ).toBe(false);
  });
});
