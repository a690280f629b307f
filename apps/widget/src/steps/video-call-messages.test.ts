import { describe, expect, it } from "vitest";
import { VIDEO_CALL_LOCALES, videoCallTranslator } from "./video-call-messages.ts";

describe("video-call messages", () => {
  it("every widget language has every key, non-empty, with the same placeholders", () => {
    const en = VIDEO_CALL_LOCALES.en as Record<string, string>;
    const keys = Object.keys(en).sort();
    expect(Object.keys(VIDEO_CALL_LOCALES).sort()).toEqual(["el", "en", "es", "ka", "ru", "uk"]);
    for (const [lang, messages] of Object.entries(VIDEO_CALL_LOCALES)) {
      const m = messages as Record<string, string>;
      expect(Object.keys(m).sort(), lang).toEqual(keys);
      for (const k of keys) {
        expect((m[k] ?? "").trim().length, `${lang}.${k}`).toBeGreaterThan(0);
        expect(m[k]?.match(/\{\w+\}/g), `${lang}.${k}`).toEqual(en[k]?.match(/\{\w+\}/g));
      }
    }
  });

  it("fills placeholders and falls back to English for an unknown language", () => {
    expect(videoCallTranslator("ru")("position", { position: 3 })).toBe("Вы 3-й в очереди.");
    expect(videoCallTranslator("xx")("timeoutBody", { minutes: 5 })).toContain("5 minutes");
  });
});
