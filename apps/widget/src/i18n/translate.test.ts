import { describe, expect, it } from "vitest";
import { en } from "./locales/en.ts";
import { createTranslator, LOCALES, pickLanguage } from "./translate.ts";

describe("i18n", () => {
  it("takes the session's language first, accepting gr for Greek and region tags", () => {
    expect(pickLanguage("gr", ["en-US"])).toBe("el");
    expect(pickLanguage("ka", ["ru"])).toBe("ka");
    expect(pickLanguage("uk-UA", [])).toBe("uk");
  });

  it("falls back to the browser's languages, then English", () => {
    expect(pickLanguage(null, ["de-DE", "es-ES"])).toBe("es");
    expect(pickLanguage("xx", ["fr"])).toBe("en");
  });

  it("has every key, non-empty and with the same placeholders, in every locale", () => {
    const keys = Object.keys(en).sort();
    for (const [lang, messages] of Object.entries(LOCALES)) {
      expect(Object.keys(messages).sort(), lang).toEqual(keys);
      for (const key of keys) {
        const text = (messages as Record<string, string>)[key] ?? "";
        const source = (en as Record<string, string>)[key] ?? "";
        expect(text.trim().length, `${lang}.${key}`).toBeGreaterThan(0);
        expect(text.match(/\{\w+\}/g)?.sort(), `${lang}.${key}`).toEqual(source.match(/\{\w+\}/g)?.sort());
      }
    }
  });

  it("fills placeholders", () => {
    expect(createTranslator("en")("stepOf", { n: 2, total: 4 })).toBe("Step 2 of 4");
    expect(createTranslator("ru")("uploading", { percent: 40 })).toBe("Отправка… 40%");
  });
});
