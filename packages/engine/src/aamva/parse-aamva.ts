import { AAMVA_ELEMENT_IDS } from "./aamva-elements.ts";
import type {
  AamvaFields,
  AamvaIssue,
  AamvaParseResult,
  AamvaSex,
  AamvaSubfileEntry,
} from "./aamva-types.ts";

const LF = "\n";
const CR = "\r";
const RS = "\u001e";
const FS = "\u001c";
const GS = "\u001d";
const SEPARATORS: ReadonlySet<string> = new Set([LF, CR, RS, FS, GS]);

// zxing's default "HRI" text mode and some scanner apps spell control characters out.
const HRI_CODES: readonly [string, string][] = [
  ["<LF>", LF],
  ["<CR>", CR],
  ["<RS>", RS],
  ["<FS>", FS],
  ["<GS>", GS],
];

const CANADIAN_PROVINCES = new Set("AB BC MB NB NL NS NT NU ON PE QC SK YT".split(" "));
const US_JURISDICTIONS = new Set(
  (
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND " +
    "OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY AS GU MP PR VI"
  ).split(" "),
);

// Used only when a payload lost every separator: the IDs least likely to occur inside a value.
const SCAN_IDS: readonly string[] = [
  "DAA DAB DAC DAD DAG DAH DAI DAJ DAK DAQ DAU DAW DAY DAZ DBA DBB DBC DBD DCA DCB DCD DCF DCG DCK DCS",
  "DCT DCU DDA DDB DDD DDE DDF DDG",
].flatMap((s) => s.split(" "));

interface Header {
  version: number;
  jurisdictionVersion: number | null;
  issuerId: string;
  entries: AamvaSubfileEntry[];
  bodyStart: number;
}

type Issues = { errors: AamvaIssue[]; warnings: AamvaIssue[] };

function isSeparator(ch: string): boolean {
  return SEPARATORS.has(ch);
}

/** Keeps printable ASCII and the AAMVA separators; mis-decoded bytes (e.g. "Ô") go. */
function sanitize(text: string, issues: Issues): string {
  let s = text;
  if (HRI_CODES.some(([code]) => s.includes(code))) {
    for (const [code, ch] of HRI_CODES) s = s.split(code).join(ch);
    issues.warnings.push({
      code: "HRI_CONTROL_CODES",
      message: "Control characters were spelled out (<LF>, <RS>…)",
    });
  }
  let out = "";
  let removed = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if ((c >= 0x20 && c <= 0x7e) || isSeparator(ch)) out += ch;
    else removed++;
  }
  if (removed > 0) {
    issues.warnings.push({
      code: "STRAY_CHARACTERS",
      message: `Removed ${removed} character(s) outside the AAMVA set`,
    });
  }
  return out;
}

function readDirectory(text: string, start: number): { entries: AamvaSubfileEntry[]; end: number } {
  const entries: AamvaSubfileEntry[] = [];
  const entry = /^([A-Z]{2})(\d{4})(\d{4})/;
  let pos = start;
  for (;;) {
    const m = entry.exec(text.slice(pos, pos + 10));
    if (!m) break;
    entries.push({ type: m[1] ?? "", offset: Number(m[2]), length: Number(m[3]) });
    pos += 10;
  }
  return { entries, end: pos };
}

/**
 * Reads "ANSI "/"AAMVA" + IIN(6) + version(2) [+ jurisdiction version(2)] + entry count(2) + directory.
 * Version 1 has no jurisdiction version; both layouts are tried, the version's own first.
 */
function readHeader(text: string, issues: Issues): Header | null {
  const candidates = [text.indexOf("ANSI "), text.indexOf("AAMVA")].filter((i) => i >= 0);
  if (candidates.length === 0) return null;
  const marker = Math.min(...candidates);
  const m = /^ *(\d{6})(\d{2})/.exec(text.slice(marker + 5));
  if (!m) return null;
  const issuerId = m[1] ?? "";
  const version = Number(m[2]);
  const afterVersion = marker + 5 + m[0].length;
  const layouts = version === 1 ? [false, true] : [true, false];
  for (const withJv of layouts) {
    const countAt = afterVersion + (withJv ? 2 : 0);
    const count = /^\d{2}/.exec(text.slice(countAt, countAt + 2));
    if (!count) continue;
    const { entries, end } = readDirectory(text, countAt + 2);
    if (entries.length === 0) continue;
    if (entries.length !== Number(count[0])) {
      issues.warnings.push({
        code: "ENTRY_COUNT",
        message: `The header announces ${Number(count[0])} subfile(s) but lists ${entries.length}`,
      });
    }
    const jurisdictionVersion = withJv ? Number(text.slice(afterVersion, afterVersion + 2)) : null;
    checkOffsets(text, marker, entries, issues);
    return { version, jurisdictionVersion, issuerId, entries, bodyStart: end };
  }
  return null;
}

/** Offsets count from the compliance indicator `@`; scanners that rewrite line ends shift them. */
function checkOffsets(text: string, marker: number, entries: AamvaSubfileEntry[], issues: Issues): void {
  const at = text.lastIndexOf("@", marker);
  if (at < 0 || marker - at > 8) {
    issues.warnings.push({ code: "NO_COMPLIANCE_INDICATOR", message: "The header does not start with @" });
  }
  const base = at >= 0 && marker - at <= 8 ? at : marker - 4;
  for (const e of entries) {
    if (!text.startsWith(e.type, base + e.offset)) {
      issues.warnings.push({
        code: "OFFSET_MISMATCH",
        element: e.type,
        message: `Subfile ${e.type} is not at its declared offset ${e.offset}; elements were located by scanning`,
      });
    }
  }
}

function splitTokens(body: string): string[] {
  const tokens: string[] = [];
  let current = "";
  for (const ch of body) {
    if (isSeparator(ch)) {
      if (current.length > 0) tokens.push(current);
      current = "";
    } else current += ch;
  }
  if (current.length > 0) tokens.push(current);
  return tokens;
}

/**
 * Last resort for payloads whose separators were stripped: cut where a known ID starts, each ID once.
 * Where two candidates overlap (a value ending in "D" before "DAJ" reads as "DDA"), the one whose ID
 * does not occur again further on wins, since the other one can still be cut there.
 */
function scanWithoutSeparators(body: string): string[] {
  const idAt = (i: number): string | undefined => {
    const id = body.slice(i, i + 3);
    return SCAN_IDS.includes(id) ? id : undefined;
  };
  const cuts: number[] = [];
  const seen = new Set<string>();
  for (let i = 0; i + 3 <= body.length; i++) {
    const id = idAt(i);
    if (id === undefined || seen.has(id)) continue;
    const rival = [i + 1, i + 2].find((j) => {
      const other = idAt(j);
      return other !== undefined && !seen.has(other) && !body.includes(other, j + 3);
    });
    if (rival !== undefined && body.includes(id, i + 3)) continue;
    seen.add(id);
    cuts.push(i);
    i += 2;
  }
  return cuts.map((c, k) => body.slice(c, cuts[k + 1] ?? body.length));
}

interface Collected {
  elements: Record<string, string>;
  documentType?: "DL" | "ID";
}

function collectElements(
  tokens: readonly string[],
  subfileTypes: readonly string[],
  issues: Issues,
): Collected {
  const elements: Record<string, string> = {};
  const zPrefixes = new Set(subfileTypes.filter((t) => t.startsWith("Z")));
  let documentType: "DL" | "ID" | undefined;
  for (const raw of tokens) {
    let token = raw.replace(/^ +/, "");
    // A subfile starts with its two-letter type glued to its first element ("DLDAQ…", "ZVZVA…").
    for (const type of ["DL", "ID", ...zPrefixes]) {
      const glued = type.startsWith("Z") ? token.startsWith(`${type}${type}`) : token.startsWith(type);
      if (
        glued &&
        /^[A-Z]{3}/.test(token.slice(2)) &&
        (type.startsWith("Z") || AAMVA_ELEMENT_IDS.has(token.slice(2, 5)))
      ) {
        if ((type === "DL" || type === "ID") && documentType === undefined) documentType = type;
        token = token.slice(2);
        break;
      }
    }
    const id = /^[A-Z]{3}/.exec(token)?.[0];
    if (id === undefined) {
      issues.warnings.push({
        code: "STRAY_DATA",
        message: `Ignored data that is not an element: "${token.slice(0, 20)}"`,
      });
      continue;
    }
    const known = id.startsWith("Z") ? zPrefixes.has(id.slice(0, 2)) : AAMVA_ELEMENT_IDS.has(id);
    if (!known) {
      issues.warnings.push({ code: "UNKNOWN_ELEMENT", element: id, message: `Unknown element ID ${id}` });
    }
    if (id in elements) {
      issues.warnings.push({
        code: "DUPLICATE_ELEMENT",
        element: id,
        message: `Element ${id} occurs twice; the first is kept`,
      });
      continue;
    }
    elements[id] = token.slice(3);
  }
  return documentType === undefined ? { elements } : { elements, documentType };
}

function validDate(year: number, month: number, day: number): string | null {
  if (year < 1800 || month < 1 || month > 12 || day < 1) return null;
  if (day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return null;
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/** USA uses MMDDCCYY, Canada (and version 1) CCYYMMDD; the other order is tried before giving up. */
function parseDate(value: string, ymdFirst: boolean, id: string, issues: Issues): string | null {
  const v = value.trim();
  if (!/^\d{8}$/.test(v)) return null;
  const ymd = validDate(Number(v.slice(0, 4)), Number(v.slice(4, 6)), Number(v.slice(6, 8)));
  const mdy = validDate(Number(v.slice(4, 8)), Number(v.slice(0, 2)), Number(v.slice(2, 4)));
  const [preferred, other] = ymdFirst ? [ymd, mdy] : [mdy, ymd];
  if (preferred !== null) return preferred;
  if (other !== null) {
    issues.warnings.push({
      code: "DATE_FORMAT",
      element: id,
      message: `${id} "${v}" is in ${ymdFirst ? "MMDDCCYY" : "CCYYMMDD"} order, not the jurisdiction's`,
    });
  }
  return other;
}

function text(value: string | undefined): string | undefined {
  const t = value?.trim();
  return t ? t : undefined;
}

function namePart(value: string | undefined): string | undefined {
  const t = text(value);
  return t === "NONE" ? undefined : t;
}

function flag(value: string | undefined): boolean | undefined {
  const t = text(value);
  return t === "T" ? true : t === "N" ? false : undefined;
}

function sexOf(value: string | undefined): AamvaSex | undefined {
  const t = text(value);
  if (t === "1" || t === "M") return "M";
  if (t === "2" || t === "F") return "F";
  if (t === "9" || t === "X") return "X";
  return undefined;
}

function heightCm(value: string | undefined): number | undefined {
  const m = /^(\d{2,3}) *(in|cm)$/i.exec(value?.trim() ?? "");
  if (!m) return undefined;
  const n = Number(m[1]);
  return m[2]?.toLowerCase() === "in" ? Math.round(n * 2.54) : n;
}

function splitNames(e: Record<string, string>): { last?: string; first?: string; middle?: string } {
  // Version 1 writes the whole name in DAA ("LAST,FIRST,MIDDLE,"); versions 2–3 the given names in DCT.
  const daa = (e.DAA ?? "").split(",").map((s) => s.trim());
  const dctRaw = text(e.DCT) ?? "";
  const dct = dctRaw.includes(",") ? dctRaw.split(",") : dctRaw.split(/ +/);
  const dctFirst = text(dct[0]);
  const dctRest = text(dct.slice(1).join(" "));
  const daaRest = text(daa.slice(2).join(" "));
  const parts: { last?: string; first?: string; middle?: string } = {};
  const last = text(e.DCS) ?? text(e.DAB) ?? text(daa[0]);
  const first = text(e.DAC) ?? dctFirst ?? text(daa[1]);
  const middle = namePart(e.DAD) ?? (e.DAD === undefined ? (dctRest ?? daaRest) : undefined);
  if (last !== undefined) parts.last = last;
  if (first !== undefined) parts.first = first;
  if (middle !== undefined) parts.middle = middle;
  return parts;
}

/** Version 1 has no DCG; the address jurisdiction tells the country when it is a known code. */
function inferCountry(state: string | undefined): string | undefined {
  if (state === undefined) return undefined;
  if (CANADIAN_PROVINCES.has(state)) return "CAN";
  return US_JURISDICTIONS.has(state) ? "USA" : undefined;
}

function normalise(
  e: Record<string, string>,
  documentType: "DL" | "ID" | undefined,
  version: number | null,
  issues: Issues,
): AamvaFields {
  const f: AamvaFields = {};
  const set = <K extends keyof AamvaFields>(key: K, value: AamvaFields[K] | undefined | null): void => {
    if (value !== undefined && value !== null) f[key] = value;
  };
  set("documentType", documentType);
  set("documentNumber", text(e.DAQ));
  const names = splitNames(e);
  set("lastName", names.last);
  set("firstName", names.first);
  set("middleName", names.middle);
  set("nameSuffix", namePart(e.DCU) ?? namePart(e.DAE));
  set("lastNameTruncated", flag(e.DDE));
  set("firstNameTruncated", flag(e.DDF));
  set("middleNameTruncated", flag(e.DDG));
  set("street", text(e.DAG) ?? text(e.DAL));
  set("street2", text(e.DAH) ?? text(e.DAM));
  set("city", text(e.DAI) ?? text(e.DAN));
  const state = text(e.DAJ) ?? text(e.DAO);
  set("state", state);
  set("postalCode", text(e.DAK) ?? text(e.DAP));
  const country = text(e.DCG) ?? inferCountry(state);
  set("country", country);
  const ymdFirst = version === 1 || country === "CAN";
  for (const [id, key] of [
    ["DBB", "birthDate"],
    ["DBA", "expiryDate"],
    ["DBD", "issueDate"],
  ] as const) {
    const raw = e[id];
    if (raw === undefined || text(raw) === undefined) continue;
    const iso = parseDate(raw, ymdFirst, id, issues);
    if (iso === null) {
      issues.errors.push({
        code: "INVALID_DATE",
        element: id,
        message: `${id} "${raw.trim()}" is not a date`,
      });
    } else f[key] = iso;
  }
  for (const [id, key] of [
    ["DDB", "cardRevisionDate"],
    ["DDH", "under18Until"],
    ["DDI", "under19Until"],
    ["DDJ", "under21Until"],
  ] as const) {
    const raw = e[id];
    if (raw !== undefined && text(raw) !== undefined) set(key, parseDate(raw, ymdFirst, id, issues));
  }
  set("sex", sexOf(e.DBC));
  set("eyeColor", text(e.DAY));
  set("hairColor", text(e.DAZ));
  set("height", text(e.DAU));
  set("heightCm", heightCm(e.DAU));
  set("weight", text(e.DAW) ?? text(e.DAX));
  set("documentDiscriminator", text(e.DCF));
  set("inventoryControlNumber", text(e.DCK));
  set("vehicleClass", text(e.DCA) ?? text(e.DAR));
  set("restrictions", text(e.DCB) ?? text(e.DAS));
  set("endorsements", text(e.DCD) ?? text(e.DAT));
  set("complianceType", text(e.DDA));
  if (e.DDK !== undefined) set("organDonor", text(e.DDK) === "1");
  if (e.DDL !== undefined) set("veteran", text(e.DDL) === "1");
  return f;
}

/**
 * Cheap test that a decoded barcode carries an AAMVA header ("ANSI "/"AAMVA" + IIN + version), for
 * rejecting misreads before parsing (see `ReadPdf417Options.accept`).
 */
export function isAamvaPayload(text: string): boolean {
  return /(ANSI |AAMVA) ?\d{8}/.test(text);
}

/**
 * Parses the text of an AAMVA DL/ID card PDF417 barcode (versions 1–10). Never throws. Tolerates
 * what scanners do to the payload: CRLF or missing separators, spelled-out control codes, stray
 * characters, wrong entry counts and offsets (elements are found by scanning, offsets only checked).
 * @example parseAamva(decoded.text).fields.birthDate // "1986-06-06"
 */
export function parseAamva(input: string): AamvaParseResult {
  const issues: Issues = { errors: [], warnings: [] };
  const clean = sanitize(typeof input === "string" ? input : "", issues);
  const header = readHeader(clean, issues);
  if (header === null) {
    issues.errors.push({
      code: "NO_HEADER",
      message: 'No "ANSI "/"AAMVA" header with IIN and version was found',
    });
  }
  const body = header === null ? clean : clean.slice(header.bodyStart);
  let tokens = splitTokens(body);
  if (tokens.length <= 1 && body.length > 20) {
    issues.warnings.push({
      code: "NO_SEPARATORS",
      message: "No element separators; elements were cut at known IDs",
    });
    tokens = scanWithoutSeparators(body);
  }
  const subfileTypes = header?.entries.map((e) => e.type) ?? [];
  const { elements, documentType: glued } = collectElements(tokens, subfileTypes, issues);
  const declared = subfileTypes.find((t): t is "DL" | "ID" => t === "DL" || t === "ID");
  if (declared !== undefined && glued === undefined) {
    issues.warnings.push({
      code: "MISSING_SUBFILE_TYPE",
      element: declared,
      message: `The ${declared} subfile does not start with its type`,
    });
  }
  if (Object.keys(elements).length === 0) {
    issues.errors.push({ code: "NO_ELEMENTS", message: "No data elements were found" });
  }
  const version = header?.version ?? null;
  const fields = normalise(elements, glued ?? declared, version, issues);
  const missing: [string, boolean][] = [
    ["DAQ", fields.documentNumber === undefined],
    ["DCS", fields.lastName === undefined && fields.firstName === undefined],
    ["DBB", elements.DBB === undefined],
    ["DBA", elements.DBA === undefined],
  ];
  for (const [id, absent] of missing) {
    if (absent)
      issues.errors.push({
        code: "MISSING_ELEMENT",
        element: id,
        message: `Mandatory element ${id} is missing`,
      });
  }
  return {
    valid: header !== null && issues.errors.length === 0,
    version,
    jurisdictionVersion: header?.jurisdictionVersion ?? null,
    issuerId: header?.issuerId ?? null,
    subfiles: header?.entries ?? [],
    elements,
    fields,
    errors: issues.errors,
    warnings: issues.warnings,
  };
}
