/**
 * The step schemas on their own (`@verimat/core/steps`): pure and free of Node APIs, so browser code
 * may import them — the dashboard's flow builder checks each step with the same rules as `begin/`.
 * @module
 */
export * from "./builder-catalogue.ts";
export * from "./session-steps.ts";
export * from "./step-catalogue.ts";
