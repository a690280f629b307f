/** JSON stored in a text column. A corrupt value is a fault worth a clear message, not a silent {}. */
export function readJson<T>(text: string, column: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (cause) {
    throw new Error(`corrupt JSON in column ${column}`, { cause });
  }
}

export function writeJson(value: unknown): string {
  return JSON.stringify(value ?? null);
}
