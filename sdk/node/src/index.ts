/**
 * `@verimat/sdk`: the Node.js client of Verimat's Identomat-compatible API.
 * @example
 *   import { Verimat, verifyCallback } from "@verimat/sdk";
 *   const verimat = new Verimat({ baseUrl: "https://verify.example.com", companyKey, secretKey });
 *   const token = await verimat.begin({ flags: { return_url: "https://shop.example/done" } });
 *   res.redirect(verimat.widgetUrl(token));
 * @module
 */
export { type BeginInput, Verimat, type VerimatOptions } from "./client.ts";
export {
  VerimatAuthError,
  VerimatConnectionError,
  VerimatError,
  VerimatNotFoundError,
  VerimatRateLimitError,
  VerimatSignatureError,
  VerimatValidationError,
} from "./errors.ts";
export {
  signParts,
  signRequest,
  type VerifyCallbackOptions,
  verifyCallback,
  verifyResponse,
} from "./signatures.ts";
export * from "./types.ts";
