/**
 * Engine commands of the CLI. The engine (tfjs, ONNX, sharp) is imported lazily so that the account
 * commands start fast and never load a model.
 */
import path from "node:path";

type Print = (value: unknown) => void;

/** `verimat compare --pairs FILE.csv`: one JSON line per pair, paths relative to the CSV. */
export async function compareCommand(opts: { pairs: string }, print: Print): Promise<void> {
  const { createFaceEngine, comparePairs } = await import("@verimat/engine");
  const engine = await createFaceEngine();
  try {
    for await (const record of comparePairs(engine, path.resolve(opts.pairs))) print(record);
  } finally {
    engine.dispose();
  }
}

/** `verimat read-document FILE…`: one JSON line per file. */
export async function readDocumentCommand(files: string[], print: Print): Promise<void> {
  const { readDocuments } = await import("@verimat/engine");
  for (const record of await readDocuments(files.map((f) => path.resolve(f)))) {
    const { file, document_type, mrz, person } = record;
    print({
      file,
      document_type,
      mrz: mrz ? { valid: mrz.valid, format: mrz.format, lines: mrz.lines, fields: mrz.fields } : null,
      person,
    });
  }
}
