/**
 * Issuing-state and nationality codes accepted in an MRZ: every ISO 3166-1 alpha-3 code plus the
 * codes ICAO 9303-3 adds (Germany's `D`, British variants, UN, organisations, stateless/refugee codes,
 * `UTO` for ICAO's Utopia specimens) and a few still found on documents (`RKS`/`XXK` Kosovo, `ANT`, `NTZ`).
 * @module
 */

const ISO_3166_ALPHA3 =
  "ABW AFG AGO AIA ALA ALB AND ARE ARG ARM ASM ATA ATF ATG AUS AUT AZE BDI BEL BEN BES BFA BGD BGR BHR " +
  "BHS BIH BLM BLR BLZ BMU BOL BRA BRB BRN BTN BVT BWA CAF CAN CCK CHE CHL CHN CIV CMR COD COG COK COL " +
  "COM CPV CRI CUB CUW CXR CYM CYP CZE DEU DJI DMA DNK DOM DZA ECU EGY ERI ESH ESP EST ETH FIN FJI FLK " +
  "FRA FRO FSM GAB GBR GEO GGY GHA GIB GIN GLP GMB GNB GNQ GRC GRD GRL GTM GUF GUM GUY HKG HMD HND HRV " +
  "HTI HUN IDN IMN IND IOT IRL IRN IRQ ISL ISR ITA JAM JEY JOR JPN KAZ KEN KGZ KHM KIR KNA KOR KWT LAO " +
  "LBN LBR LBY LCA LIE LKA LSO LTU LUX LVA MAC MAF MAR MCO MDA MDG MDV MEX MHL MKD MLI MLT MMR MNE MNG " +
  "MNP MOZ MRT MSR MTQ MUS MWI MYS MYT NAM NCL NER NFK NGA NIC NIU NLD NOR NPL NRU NZL OMN PAK PAN PCN " +
  "PER PHL PLW PNG POL PRI PRK PRT PRY PSE PYF QAT REU ROU RUS RWA SAU SDN SEN SGP SGS SHN SJM SLB SLE " +
  "SLV SMR SOM SPM SRB SSD STP SUR SVK SVN SWE SWZ SXM SYC SYR TCA TCD TGO THA TJK TKL TKM TLS TON TTO " +
  "TUN TUR TUV TWN TZA UGA UKR UMI URY USA UZB VAT VCT VEN VGB VIR VNM VUT WLF WSM YEM ZAF ZMB ZWE";

const ICAO_SPECIAL =
  "D GBD GBN GBO GBP GBS UNO UNA UNK XBA XIM XCC XCE XCO XEC XPO XES XMP XOM XDC XXA XXB XXC XXX EUE UTO";

// Not in ICAO's list but printed on documents in circulation; rejecting them would reject real people.
const IN_USE = "RKS XXK ANT NTZ";

const STATES: ReadonlySet<string> = new Set(`${ISO_3166_ALPHA3} ${ICAO_SPECIAL} ${IN_USE}`.split(" "));

/** `code` is the field with its fillers removed (`D<<` → `D`). */
export function isMrzStateCode(code: string): boolean {
  return STATES.has(code);
}
