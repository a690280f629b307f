/** JSON stored in a text column. A corrupt value is a fault worth a clear message, not a silent {}. */
export function readJson<T>(text: string, column: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (cause) {
    throw new Error(`corrupt JSON in column ${column}`, { cause });
  }
}

/** Serialized text of values registered by `immutableJson`: written many times, serialized once. */
const serialized = new WeakMap<object, string>();

export function writeJson(value: unknown): string {
  if (typeof value === "object" && value !== null) {
    const known = serialized.get(value);
    if (known !== undefined) return known;
  }
  return JSON.stringify(value ?? null);
}

/**
 * Deep-freezes a JSON value that will be stored many times (begin/'s remembered flags and steps) and
 * remembers its serialization. Frozen, it cannot drift from the text remembered for it.
 */
export function immutableJson<T>(value: T): T {
  const freeze = (v: unknown): void => {
    if (typeof v !== "object" || v === null || Object.isFrozen(v)) return;
    for (const inner of Object.values(v)) freeze(inner);
    Object.freeze(v);
  };
  freeze(value);
  if (typeof value === "object" && value !== null) serialized.set(value, JSON.stringify(value));
  return value;
}
