/**
 * One session's verification in one call: analyse every capture, then decide. The service does the
 * same in two halves (each capture analysed on arrival, the decision after the last one); this form
 * serves tests, the CLI and benchmarks.
 * @module
 */
import {
  type AnalysisEngines,
  analyzeCapture,
  type Capture,
  type CaptureAnalysis,
} from "./analyze-capture.ts";
import { decideSession, type SessionDecisionInput, type VerifyOutput } from "./decide-session.ts";

export type VerifyInput = Omit<SessionDecisionInput, "analyses"> & { captures: readonly Capture[] };
export type VerifyEngines = AnalysisEngines;

export async function verifyCaptures(input: VerifyInput, engines: VerifyEngines): Promise<VerifyOutput> {
  const analyses: CaptureAnalysis[] = [];
  for (const c of input.captures) analyses.push(await analyzeCapture(c, engines));
  const { captures: _captures, ...rest } = input;
  return decideSession({ ...rest, analyses });
}
