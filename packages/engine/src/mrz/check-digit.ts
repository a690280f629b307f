const WEIGHTS = [7, 3, 1] as const;

/** Value of one MRZ character in the 7-3-1 scheme: 0–9, A–Z = 10–35, `<` = 0. */
function charValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 90) return code - 55;
  // Lower case is tolerated so that the digit of un-normalised input still means something.
  if (code >= 97 && code <= 122) return code - 87;
  // `<` and anything else count as 0; the parser reports invalid characters separately.
  return 0;
}

/**
 * ICAO 9303-3 check digit: weights 7, 3, 1 repeating, sum modulo 10.
 * @example checkDigit("520727") // 3
 */
export function checkDigit(s: string): number {
  let sum = 0;
  for (let i = 0; i < s.length; i++) {
    sum += charValue(s.charCodeAt(i)) * (WEIGHTS[i % 3] ?? 0);
  }
  return sum % 10;
}
