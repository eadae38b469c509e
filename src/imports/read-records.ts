import { createReadStream } from "node:fs";
import { StringDecoder } from "node:string_decoder";

/** One record of an import file: its 1-based position and its JSON value (or why not). */
export type FileRecord = { line: number; value: unknown } | { line: number; invalid: string };

/**
 * Streams the records of an Auth0 bulk-import file — a JSON array, or NDJSON — holding one
 * record in memory at a time, never the file. Records before `skip` are read past.
 * @param source a file's path, or its bytes in order (a job's stored chunks)
 */
export async function* readRecords(
  source: string | AsyncIterable<Uint8Array>,
  skip = 0,
): AsyncGenerator<FileRecord> {
  const decoder = new StringDecoder("utf8");
  let mode: "detect" | "array" | "ndjson" = "detect";
  let line = 0;
  // Array mode: the element being captured and the scanner's state.
  let element = "";
  let depth = 0;
  let inString = false;
  let escaped = false;
  let ended = false;
  const emit = (text: string): FileRecord | undefined => {
    line++;
    if (line <= skip) return undefined;
    try {
      return { line, value: JSON.parse(text) };
    } catch {
      return { line, invalid: "The record is not valid JSON." };
    }
  };
  let pendingLine = "";
  for await (const chunk of typeof source === "string" ? createReadStream(source) : source) {
    let text = decoder.write(chunk as Buffer);
    if (mode === "detect") {
      const first = text.search(/\S/);
      if (first < 0) continue;
      if (text[first] === "[") {
        mode = "array";
        text = text.slice(first + 1);
      } else mode = "ndjson";
    }
    if (mode === "ndjson") {
      const lines = (pendingLine + text).split("\n");
      pendingLine = lines.pop() ?? "";
      for (const entry of lines) {
        if (entry.trim() === "") continue;
        const record = emit(entry);
        if (record) yield record;
      }
      continue;
    }
    let start = 0;
    for (let index = 0; index < text.length && !ended; index++) {
      const char = text[index]!;
      if (inString) {
        if (escaped) escaped = false;
        else if (char === "\\") escaped = true;
        else if (char === '"') inString = false;
        continue;
      }
      if (char === '"') {
        inString = true;
      } else if (char === "{" || char === "[") {
        depth++;
      } else if (char === "}" || char === "]") {
        if (depth === 0 && char === "]") {
          const rest = (element + text.slice(start, index)).trim();
          if (rest) {
            const record = emit(rest);
            if (record) yield record;
          }
          element = "";
          ended = true;
          break;
        }
        depth--;
      } else if (char === "," && depth === 0) {
        const value = (element + text.slice(start, index)).trim();
        element = "";
        start = index + 1;
        const record = emit(value);
        if (record) yield record;
      }
    }
    if (!ended) element += text.slice(start);
  }
  if (mode === "ndjson" && pendingLine.trim() !== "") {
    const record = emit(pendingLine);
    if (record) yield record;
  }
  if (mode === "array" && !ended && element.trim() !== "") {
    line++;
    if (line > skip) yield { line, invalid: "The file ends inside a record (the JSON array is not closed)." };
  }
}
