/**
 * Challenge issuance only (random prompts and colour sequences), light enough for API processes:
 * no model, no image library.
 * @module
 */
export { createActiveChallenge } from "./liveness/active-challenge.ts";
export { createFlashChallenge } from "./liveness/color-flash.ts";
export { cryptoRandom } from "./liveness/random-source.ts";
