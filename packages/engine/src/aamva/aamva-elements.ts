/**
 * Data element IDs of the DL/ID subfile across AAMVA versions 1–10 (2000 standard through the 2020
 * CDS Annex D). Jurisdiction elements (Z…) are not listed: they are defined by each jurisdiction.
 * @module
 */

const CURRENT =
  // Mandatory in versions 2–10.
  "DCA DCB DCD DBA DCS DAC DAD DBD DBB DBC DAY DAU DAG DAI DAJ DAK DAQ DCF DCG DDE DDF DDG " +
  // Optional in versions 2–10.
  "DAH DAZ DCI DCJ DCK DBN DBG DBS DCU DCE DCL DCM DCN DCO DCP DCQ DCR DDA DDB DDC DDD DAW DAX " +
  "DDH DDI DDJ DDK DDL DAV DCT DCH";

// Version 1 (AAMVA DL/ID-2000) and early jurisdiction formats.
const LEGACY =
  "DAA DAB DAE DAF DAL DAM DAN DAO DAP DAR DAS DAT DBE DBF DBH DBI DBJ DBK DBL DBM DBO DBP DBQ DBR";

export const AAMVA_ELEMENT_IDS: ReadonlySet<string> = new Set(`${CURRENT} ${LEGACY}`.split(" "));
