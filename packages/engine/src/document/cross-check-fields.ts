/**
 * Cross-checks the visual zone's printed fields against the machine-read data (MRZ, or a driver
 * licence's AAMVA barcode). Pure: text lines in, a per-field report out.
 *
 * A field is `matching` when its machine-read value appears anywhere among the printed lines (after
 * normalisation: case, ICAO 9303 transliteration of diacritics, O/0-style confusions, printed date
 * formats). It is `mismatching` only when the value printed under (or after) the field's own label
 * clearly differs and the machine-read value appears nowhere: a clear disagreement, not an OCR slip.
 * A labelled value that is neither close enough to match nor far enough to differ is `unsure`;
 * `not_found` when neither the value nor its label was read.
 * @module
 */
import type { VisualZoneLine } from "./read-visual-zone.ts";

export type CrossCheckedField = "surname" | "givenNames" | "documentNumber" | "birthDate" | "expiryDate";
export type FieldStatus = "matching" | "mismatching" | "unsure" | "not_found";

export interface FieldReference {
  readonly surname?: string;
  readonly givenNames?: string;
  readonly documentNumber?: string;
  /** YYYY-MM-DD */
  readonly birthDateIso?: string;
  /** YYYY-MM-DD */
  readonly expiryDateIso?: string;
}

export interface FieldCheck {
  readonly status: FieldStatus;
  /** The printed text the status rests on (absent when not found). */
  readonly printed?: string;
}

export interface FieldsCrossCheck {
  /** What the printed fields were compared with. */
  readonly against: "mrz" | "aamva";
  readonly fields: Readonly<Record<CrossCheckedField, FieldCheck>>;
  /** A clear mismatch on a name, the document number or the birth date (the decision's rule). */
  readonly mismatch: boolean;
  /** How many fields were found (any status but not_found) and how many match. */
  readonly found: number;
  readonly matching: number;
}

/** Fields whose clear mismatch raises `fields_mismatch` (expiry is reported only). */
export const DECIDING_FIELDS: readonly CrossCheckedField[] = [
  "surname",
  "givenNames",
  "documentNumber",
  "birthDate",
];

// ICAO 9303 part 3, section 6 (transliteration of Latin characters with diacritics). Where the table
// allows two forms (Ä → AE or A), the long one is here and the short one comes from stripping marks.
const ICAO_LONG: Record<string, string> = {
  Ä: "AE",
  Å: "AA",
  Æ: "AE",
  Ĳ: "IJ",
  Ö: "OE",
  Ø: "OE",
  Œ: "OE",
  Ü: "UE",
  ß: "SS",
  Þ: "TH",
  Ð: "D",
  Đ: "D",
  Ł: "L",
  Ħ: "H",
  Ŀ: "L",
  Ŧ: "T",
  Ñ: "N",
};

function cleanUpper(s: string): string {
  return s
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, " ")
    .trim();
}

/**
 * The forms a printed name may take in an MRZ: diacritics expanded the ICAO way (Ä → AE, ß → SS)
 * and simply dropped (Ä → A); both upper-case with anything but A–Z/0–9 turned into single spaces.
 * @example transliterationsOf("Müller-Lüdenscheidt") // ["MUELLER LUEDENSCHEIDT", "MULLER LUDENSCHEIDT"]
 */
export function transliterationsOf(s: string): string[] {
  const upper = s.toUpperCase().replace(/ẞ/g, "ß");
  const long = [...upper].map((c) => ICAO_LONG[c] ?? c).join("");
  const strip = (t: string) =>
    t
      .normalize("NFD")
      .replace(/\p{M}/gu, "")
      .replace(/ß/g, "SS")
      .replace(/[ÆŒ]/g, "AE")
      .replace(/Ø/g, "O")
      .replace(/[ĐÐ]/g, "D")
      .replace(/Ł/g, "L");
  return [...new Set([cleanUpper(strip(long)), cleanUpper(strip(upper))])];
}

/** The marks-stripped form only (for labels and dates, where the spelling of a letter does not matter). */
function plainForm(s: string): string {
  const forms = transliterationsOf(s);
  return forms[forms.length - 1] ?? "";
}

/** Characters OCR and printers confuse in document numbers, mapped to one representative. */
const CONFUSIONS: Record<string, string> = {
  O: "0",
  Q: "0",
  D: "0",
  I: "1",
  L: "1",
  Z: "2",
  S: "5",
  B: "8",
  G: "6",
};

export function canonicalNumber(s: string): string {
  return [...s.toUpperCase().replace(/[^A-Z0-9]/g, "")].map((c) => CONFUSIONS[c] ?? c).join("");
}

export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** OCR slips tolerated when a value counts as the same: one per six characters. */
function tolerance(s: string): number {
  return Math.floor(s.length / 6);
}

/** Whether a name (tokens) equals the start of `tokens` at some position, allowing OCR slips. */
function nameAt(tokens: readonly string[], name: readonly string[], allowPrefix: boolean): boolean {
  const target = name.join(" ");
  for (let i = 0; i + name.length <= tokens.length; i++) {
    const window = tokens.slice(i, i + name.length).join(" ");
    if (levenshtein(window, target) <= tolerance(target)) return true;
    // A long name the MRZ had to truncate: the printed one starts with it.
    if (allowPrefix && target.length >= 4 && window.startsWith(target)) return true;
  }
  return false;
}

function nameMatches(printed: string, reference: string): boolean {
  const refForms = transliterationsOf(reference).map((r) => r.split(" ").filter(Boolean));
  for (const p of transliterationsOf(printed)) {
    const tokens = p.split(" ").filter(Boolean);
    for (const ref of refForms) if (ref.length > 0 && nameAt(tokens, ref, true)) return true;
  }
  return false;
}

/** Given names match when each machine-read name appears (the visual zone may add more). */
function givenNamesMatch(printed: string, reference: string): boolean {
  const ref = transliterationsOf(reference)[0]?.split(" ").filter(Boolean) ?? [];
  if (ref.length === 0) return false;
  return ref.every((name) => nameMatches(printed, name));
}

/** Share of differing characters between two names (0 same … 1 nothing in common). */
function nameDistance(printed: string, reference: string): number {
  let best = 1;
  for (const p of transliterationsOf(printed))
    for (const r of transliterationsOf(reference)) {
      const a = p.replace(/ /g, "");
      const b = r.replace(/ /g, "");
      const d = levenshtein(a, b) / Math.max(a.length, b.length, 1);
      if (d < best) best = d;
    }
  return best;
}

const MONTHS: Record<string, number> = {};
for (const [m, names] of [
  [
    1,
    "JAN JANUARY JANVIER JANV JAENNER JANUAR ENE ENERO GEN GENNAIO STY STYCZEN LEDEN TAMMIKUU SAUSIS JANUARI",
  ],
  [2, "FEB FEBRUARY FEVRIER FEV FEVR FEBRUAR FEBRERO FEBBRAIO LUT LUTY UNOR HELMIKUU VASARIS FEBRUARI"],
  [3, "MAR MARCH MARS MAERZ MARZ MARZO MARZEC BREZEN MAALISKUU KOVAS MAART"],
  [4, "APR APRIL AVRIL AVR ABR ABRIL APRILE KWI KWIECIEN DUBEN HUHTIKUU BALANDIS"],
  [5, "MAY MAI MAYO MAG MAGGIO MAJ KVETEN TOUKOKUU GEGUZE MEI"],
  [6, "JUN JUNE JUIN JUNI JUNIO GIU GIUGNO CZE CZERWIEC CERVEN KESAKUU BIRZELIS"],
  [7, "JUL JULY JUILLET JUIL JULI JULIO LUG LUGLIO LIP LIPIEC CERVENEC HEINAKUU LIEPA"],
  [8, "AUG AUGUST AOUT AOU AGO AGOSTO SIE SIERPIEN SRPEN ELOKUU RUGPJUTIS AUGUSTUS"],
  [9, "SEP SEPT SEPTEMBER SEPTEMBRE SEPTIEMBRE SET SETTEMBRE WRZ WRZESIEN ZARI SYYSKUU RUGSEJIS"],
  [10, "OCT OCTOBER OCTOBRE OKT OKTOBER OCTUBRE OTT OTTOBRE PAZ PAZDZIERNIK RIJEN LOKAKUU SPALIS"],
  [11, "NOV NOVEMBER NOVEMBRE NOVIEMBRE LIS LISTOPAD MARRASKUU LAPKRITIS"],
  [12, "DEC DECEMBER DECEMBRE DEZ DEZEMBER DIC DICIEMBRE DICEMBRE GRU GRUDZIEN PROSINEC JOULUKUU GRUODIS"],
] as const)
  for (const n of names.split(" ")) MONTHS[n] = m;

/** A printed date; `year` has two digits when only two were printed. */
export interface PrintedDate {
  readonly year: number;
  readonly twoDigitYear: boolean;
  readonly month: number;
  readonly day: number;
}

function plausible(d: PrintedDate): boolean {
  return d.month >= 1 && d.month <= 12 && d.day >= 1 && d.day <= 31;
}

/**
 * Every date readable in a printed line, in every interpretation the format allows: 12 JAN 1990,
 * 12 AUGUST/AOUT 74, 12.01.1990, 12/01/90, 1990-01-12, 12 01 1990, and US month-first 01/12/1990.
 */
export function printedDates(line: string): PrintedDate[] {
  // Separators become spaces, and digits are split from letters ("30MAR/MAR1972", "05FEB1965").
  const text = plainForm(line.replace(/[.\-/]/g, " ~ "))
    .replace(/(\d)([A-Z])/g, "$1 $2")
    .replace(/([A-Z])(\d)/g, "$1 $2");
  // Keep the separators' positions: numeric runs joined by separators (now "~" → space) still read.
  const tokens = text.split(" ").filter(Boolean);
  const out: PrintedDate[] = [];
  const year = (t: string) => ({ year: Number(t), twoDigitYear: t.length === 2 });
  const isNum = (t: string | undefined, lens: readonly number[]) =>
    t !== undefined && /^\d+$/.test(t) && lens.includes(t.length);
  for (let i = 0; i < tokens.length; i++) {
    const a = tokens[i];
    const b = tokens[i + 1];
    const c = tokens[i + 2];
    const c2 = tokens[i + 3];
    // DD MON [MON2] YY(YY): month names, possibly bilingual ("AUGUST/AOUT").
    if (isNum(a, [1, 2]) && b && MONTHS[b]) {
      const y = c && MONTHS[c] ? c2 : c;
      if (isNum(y, [2, 4])) out.push({ day: Number(a), month: MONTHS[b] ?? 0, ...year(y ?? "") });
    }
    // Numeric day-month-year or month-day-year, and year-month-day.
    if (isNum(a, [1, 2]) && isNum(b, [1, 2]) && isNum(c, [2, 4])) {
      out.push({ day: Number(a), month: Number(b), ...year(c ?? "") });
      out.push({ day: Number(b), month: Number(a), ...year(c ?? "") });
    }
    if (isNum(a, [4]) && isNum(b, [1, 2]) && isNum(c, [1, 2]))
      out.push({ day: Number(c), month: Number(b), ...year(a ?? "") });
    // Compact DDMMYYYY / YYYYMMDD (some licences print the DOB without separators).
    if (isNum(a, [8])) {
      const s = a ?? "";
      out.push({ day: Number(s.slice(0, 2)), month: Number(s.slice(2, 4)), ...year(s.slice(4)) });
      out.push({ day: Number(s.slice(2, 4)), month: Number(s.slice(0, 2)), ...year(s.slice(4)) });
      out.push({ day: Number(s.slice(6)), month: Number(s.slice(4, 6)), ...year(s.slice(0, 4)) });
    }
  }
  return out.filter(plausible);
}

/** Digits that differ between a printed date and an ISO one, compared as DDMMYY. */
function dateDigitsApart(d: PrintedDate, iso: string): number {
  const [y = 0, m = 0, day = 0] = iso.split("-").map(Number);
  const two = (n: number) => String(n % 100).padStart(2, "0");
  const a = `${two(d.day)}${two(d.month)}${two(d.year)}`;
  const b = `${two(day)}${two(m)}${two(y)}`;
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

function dateEquals(d: PrintedDate, iso: string): boolean {
  const [y, m, day] = iso.split("-").map(Number);
  if (y === undefined || m === undefined || day === undefined) return false;
  return d.month === m && d.day === day && (d.twoDigitYear ? d.year === y % 100 : d.year === y);
}

interface Label {
  readonly field: CrossCheckedField;
  readonly line: VisualZoneLine;
  /** Text after the label on the same line, if any. */
  readonly rest: string;
}

const LABEL_WORDS: Record<CrossCheckedField, RegExp> = {
  surname:
    /\b(SURNAME|SURNAMES|NOM|NAZWISKO|APELLIDOS?|COGNOME|NACHNAME|FAMILIENNAME|FAMILY NAME|LAST NAME|PRIJMENI|SUKUNIMI|PAVARDE|ACHTERNAAM|VEZETEKNEV|PRIIMEK|PREZIME|EFTERNAMN|ETTERNAVN|EFTERNAVN|LN)\b/,
  givenNames:
    /\b(GIVEN NAMES?|PRENOMS?|FORENAMES?|VORNAMEN?|IMIONA|IMIE|NOMBRES?|NOMI|NOME|JMENO|ETUNIMET|VARDAI|VARDAS|VOORNAMEN|UTONEV|IME|FORNAVN|FORNAMN|FIRST NAMES?|FN)\b/,
  documentNumber:
    /\b(PASSPORT NO|PASSPORT NUMBER|PASSEPORT|DOCUMENT NO|DOCUMENT NUMBER|DOC NO|CARD NO|CARD NUMBER|PASS NR|PASNR|PASPOORTNR|NUMER|CISLO|NUMERO|NUMMER|LICENSE NO|LICENCE NO|LIC NO|DLN|DL NO|DL|ID NO)\b/,
  birthDate:
    /\b(DATE OF BIRTH|BIRTH DATE|DATE DE NAISSANCE|NAISSANCE|GEBURTSDATUM|GEBURTSTAG|DATA URODZENIA|FECHA DE NACIMIENTO|NACIMIENTO|DATA DI NASCITA|NASCITA|DATUM NAROZENI|SYNTYMAAIKA|GIMIMO DATA|GEBOORTEDATUM|SZULETESI|DOB|BIRTH)\b/,
  expiryDate:
    /\b(DATE OF EXPIRY|EXPIRY|EXPIRATION|EXPIRES|EXP|DATE D EXPIRATION|GULTIG BIS|VALID UNTIL|DATA WAZNOSCI|WAZNOSCI|CADUCIDAD|SCADENZA|PLATNOST|VOIMASSA|GELDIG TOT|ERVENYES)\b/,
};
/** Labels of neighbouring fields that share words with ours ("Place of birth", "Date of issue"). */
const NOT_A_LABEL =
  /\b(PLACE|LIEU|ORT|MIEJSCE|LUGAR|LUOGO|MISTO|ISSUE|DELIVRANCE|AUSSTELLUNG|WYDANIA|EXPEDICION|RILASCIO|VYDANI|AUTHORITY|PERSONAL NO|PERSONNEL)\b/;

function findLabels(lines: readonly VisualZoneLine[]): Label[] {
  const out: Label[] = [];
  for (const line of lines) {
    const norm = plainForm(line.text);
    if (NOT_A_LABEL.test(norm)) continue;
    for (const field of Object.keys(LABEL_WORDS) as CrossCheckedField[]) {
      const re = LABEL_WORDS[field];
      // "Given names/ Prénoms" also holds "NOM"-like words for the surname: the longer, more specific
      // label wins, so given names are tested before the surname below.
      if (field === "surname" && LABEL_WORDS.givenNames.test(norm)) continue;
      const m = re.exec(norm);
      if (!m) continue;
      // Whatever follows the last label word on the line may be the value ("DOB 01/02/1990").
      let last = 0;
      const global = new RegExp(re.source, "g");
      for (let g = global.exec(norm); g; g = global.exec(norm)) last = g.index + g[0].length;
      out.push({ field, line, rest: norm.slice(last).trim() });
    }
  }
  return out;
}

function isLabelLine(line: VisualZoneLine): boolean {
  const norm = plainForm(line.text);
  return NOT_A_LABEL.test(norm) || Object.values(LABEL_WORDS).some((re) => re.test(norm));
}

/** The value printed for a label: after it on the same line, else the nearest line just below it. */
function labelValue(label: Label, lines: readonly VisualZoneLine[]): VisualZoneLine | null {
  if (/[A-Z0-9]{1,}/.test(label.rest) && label.rest.replace(/[^A-Z0-9]/g, "").length >= 1) {
    return { ...label.line, text: label.rest };
  }
  const l = label.line.box;
  let best: VisualZoneLine | null = null;
  let bestGap = Number.POSITIVE_INFINITY;
  for (const v of lines) {
    if (v === label.line) continue;
    const b = v.box;
    const gap = b.y - l.y;
    // Below the label's top, within about three label heights, left edges close or overlapping.
    if (gap <= l.height * 0.4 || gap > l.height * 3.2) continue;
    const leftClose = Math.abs(b.x - l.x) < 2.5 * l.height;
    const overlaps = b.x < l.x + l.width && b.x + b.width > l.x;
    if (!leftClose && !overlaps) continue;
    if (isLabelLine(v)) continue;
    const score = gap + Math.abs(b.x - l.x) * 0.5;
    if (score < bestGap) {
      bestGap = score;
      best = v;
    }
  }
  return best;
}

/**
 * Lines the detector split within one printed row ("FN JANE" | "Q") joined again, added to the
 * originals: neighbours on the same baseline with a gap under two text heights.
 */
function withJoinedRows(lines: readonly VisualZoneLine[]): VisualZoneLine[] {
  const out = [...lines];
  const byX = [...lines].sort((a, b) => a.box.x - b.box.x);
  for (const start of byX) {
    let cur = start;
    let text = start.text;
    let joined = false;
    for (;;) {
      const c = cur.box;
      const next = byX.find(
        (n) =>
          n !== cur &&
          n.box.x >= c.x + c.width * 0.8 &&
          n.box.x - (c.x + c.width) < 2 * c.height &&
          Math.abs(n.box.y + n.box.height / 2 - (c.y + c.height / 2)) < 0.4 * c.height,
      );
      if (!next) break;
      text = `${text} ${next.text}`;
      cur = next;
      joined = true;
    }
    if (joined) {
      const b = start.box;
      out.push({
        text,
        confidence: Math.min(start.confidence, cur.confidence),
        box: { x: b.x, y: b.y, width: cur.box.x + cur.box.width - b.x, height: b.height },
      });
    }
  }
  return out;
}

/**
 * The per-field report. Lines that look like MRZ text (runs of `<`) are ignored: the MRZ must not
 * confirm itself.
 */
export function crossCheckFields(
  input: readonly VisualZoneLine[],
  reference: FieldReference,
  against: "mrz" | "aamva",
): FieldsCrossCheck {
  const lines = input.filter(
    (l) => !/<</.test(l.text) && !/^[A-Z0-9<]{28,}$/.test(l.text.replace(/\s/g, "")),
  );
  const labels = findLabels(lines);
  const searchable = withJoinedRows(lines);
  const labelled = (field: CrossCheckedField): VisualZoneLine | null => {
    for (const label of labels.filter((x) => x.field === field)) {
      const v = labelValue(label, lines);
      if (v) return v;
    }
    return null;
  };

  const nameCheck = (field: "surname" | "givenNames", ref: string | undefined): FieldCheck => {
    if (!ref) return { status: "not_found" };
    const matches = field === "surname" ? nameMatches : givenNamesMatch;
    const hit = searchable.find((l) => matches(l.text, ref));
    if (hit) return { status: "matching", printed: hit.text };
    const v = labelled(field);
    if (!v) return { status: "not_found" };
    const letters = v.text.replace(/[^\p{L}]/gu, "");
    const clear = letters.length >= 2 && v.confidence >= 0.8 && nameDistance(v.text, ref) > 0.4;
    return { status: clear ? "mismatching" : "unsure", printed: v.text };
  };

  const numberCheck = (ref: string | undefined): FieldCheck => {
    if (!ref) return { status: "not_found" };
    const want = canonicalNumber(ref);
    if (want.length < 3) return { status: "not_found" };
    const hit = lines.find((l) => canonicalNumber(l.text).includes(want));
    if (hit) return { status: "matching", printed: hit.text };
    const v = labelled("documentNumber");
    if (!v) return { status: "not_found" };
    // The value's longest alphanumeric run that holds a digit is the number.
    const runs = v.text
      .toUpperCase()
      .split(/[^A-Z0-9]+/)
      .filter((t) => /\d/.test(t));
    const got = runs.sort((a, b) => b.length - a.length)[0] ?? "";
    if (got.length < 5) return { status: "unsure", printed: v.text };
    const dist = levenshtein(canonicalNumber(got), want);
    return { status: dist > 2 && v.confidence >= 0.8 ? "mismatching" : "unsure", printed: v.text };
  };

  const dateCheck = (field: "birthDate" | "expiryDate", iso: string | undefined): FieldCheck => {
    if (!iso) return { status: "not_found" };
    const hit = lines.find((l) => printedDates(l.text).some((d) => dateEquals(d, iso)));
    if (hit) return { status: "matching", printed: hit.text };
    const v = labelled(field);
    if (!v) return { status: "not_found" };
    const dates = printedDates(v.text);
    if (dates.length === 0) return { status: "unsure", printed: v.text };
    // One digit apart is as likely an OCR slip as a different date.
    const clear = v.confidence >= 0.8 && dates.every((d) => dateDigitsApart(d, iso) > 1);
    return { status: clear ? "mismatching" : "unsure", printed: v.text };
  };

  const fields: Record<CrossCheckedField, FieldCheck> = {
    surname: nameCheck("surname", reference.surname),
    givenNames: nameCheck("givenNames", reference.givenNames),
    documentNumber: numberCheck(reference.documentNumber),
    birthDate: dateCheck("birthDate", reference.birthDateIso),
    expiryDate: dateCheck("expiryDate", reference.expiryDateIso),
  };
  const all = Object.values(fields);
  return {
    against,
    fields,
    mismatch: DECIDING_FIELDS.some((f) => fields[f].status === "mismatching"),
    found: all.filter((f) => f.status !== "not_found").length,
    matching: all.filter((f) => f.status === "matching").length,
  };
}

const RANK: Record<FieldStatus, number> = { matching: 3, mismatching: 2, unsure: 1, not_found: 0 };

/**
 * Combines the reports of several sides (a card front and a passport page, say): per field the
 * strongest finding wins (matching > mismatching > unsure > not found), so a value confirmed on one
 * side is not contradicted by a misread on another. Null when there is nothing to combine.
 */
export function mergeCrossChecks(reports: readonly FieldsCrossCheck[]): FieldsCrossCheck | null {
  const [first, ...rest] = reports;
  if (!first) return null;
  const fields = { ...first.fields };
  for (const r of rest)
    for (const k of Object.keys(fields) as CrossCheckedField[])
      if (RANK[r.fields[k].status] > RANK[fields[k].status]) fields[k] = r.fields[k];
  const all = Object.values(fields);
  return {
    against: first.against,
    fields,
    mismatch: DECIDING_FIELDS.some((f) => fields[f].status === "mismatching"),
    found: all.filter((f) => f.status !== "not_found").length,
    matching: all.filter((f) => f.status === "matching").length,
  };
}
