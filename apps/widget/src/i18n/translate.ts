/**
 * Typed messages: keys come from the English source, so a missing or misspelt key fails the type check.
 * @module
 */
import { el } from "./locales/el.ts";
import { en, type MessageKey, type Messages } from "./locales/en.ts";
import { es } from "./locales/es.ts";
import { ka } from "./locales/ka.ts";
import { ru } from "./locales/ru.ts";
import { uk } from "./locales/uk.ts";

export type { MessageKey, Messages };

export const LOCALES = { en, ka, ru, es, uk, el } as const satisfies Record<string, Messages>;
export type Language = keyof typeof LOCALES;

/** Identomat documents Greek as `gr`; browsers say `el`. */
const ALIASES: Record<string, Language> = { gr: "el", ge: "ka", ua: "uk" };

function normalise(tag: string): Language | null {
  const base = tag.trim().toLowerCase().split(/[-_]/)[0] ?? "";
  const lang = ALIASES[base] ?? base;
  return lang in LOCALES ? (lang as Language) : null;
}

/**
 * The session's `language` flag when it names a supported language, else the first supported browser
 * language, else English.
 */
export function pickLanguage(sessionLanguage: string | null, browserLanguages: readonly string[]): Language {
  if (sessionLanguage) {
    const fromSession = normalise(sessionLanguage);
    if (fromSession) return fromSession;
  }
  for (const tag of browserLanguages) {
    const lang = normalise(tag);
    if (lang) return lang;
  }
  return "en";
}

export type Translate = (key: MessageKey, params?: Readonly<Record<string, string | number>>) => string;

/** A translator for one language; `{name}` placeholders are filled from `params`. */
export function createTranslator(lang: Language): Translate {
  const messages: Messages = LOCALES[lang];
  return (key, params) => {
    // Runtime fallback to English guards against a locale object altered outside the type system.
    const text = messages[key] ?? en[key];
    if (!params) return text;
    return text.replace(/\{(\w+)\}/g, (m, name: string) => {
      const v = params[name];
      return v === undefined ? m : String(v);
    });
  };
}
