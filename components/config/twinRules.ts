/**
 * The initial twin, checked as IoT Hub enforces it on the twin DPS hands on. Source: "Understand and use device twins
 * in IoT Hub" (learn.microsoft.com/azure/iot-hub/iot-hub-devguide-device-twins), "Tags and properties format" and
 * "Device twin size":
 * - keys: UTF-8, at most 1 KB, no UNICODE control characters (C0, C1), no `.`, `$` or space;
 * - string values: UTF-8, at most 4 KB;
 * - depth: objects nested at most 10 levels below tags or properties/desired;
 * - size: tags at most 8 KB, properties/desired at most 32 KB, counted as IoT Hub counts: for each property the
 *   length of its key plus its value; strings by their characters excluding control characters (C0, C1), numbers
 *   8 bytes, booleans 4, nested objects the sum of their keys and values.
 */
import type { Problem } from "./problems";

/** Property names Azure reserves (the twin's own metadata). */
const RESERVED_TWIN_KEYS = new Set(["version", "count", "metadata"]);
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const CONTROL_ALL = /[\u0000-\u001f\u007f-\u009f]/g;

export const TWIN_LIMITS = { tagsBytes: 8 * 1024, desiredBytes: 32 * 1024, keyBytes: 1024, stringBytes: 4 * 1024, depth: 10 } as const;

function utf8Length(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

/** A string's size in IoT Hub's twin count: its characters, less control characters. */
function counted(text: string): number {
  return [...text.replace(CONTROL_ALL, "")].length;
}

/** IoT Hub's size of one value: strings by characters, numbers 8, booleans 4, objects and arrays their contents. */
export function twinValueSize(value: unknown): number {
  if (typeof value === "string") return counted(value);
  if (typeof value === "number") return 8;
  if (typeof value === "boolean") return 4;
  if (Array.isArray(value)) return value.reduce<number>((sum, item) => sum + twinValueSize(item), 0);
  if (value !== null && typeof value === "object") {
    return Object.entries(value).reduce((sum, [key, inner]) => sum + counted(key) + twinValueSize(inner), 0);
  }
  return 0;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Checks one twin collection (tags, or properties.desired) at `path`. */
export function checkTwinCollection(path: string, collection: Record<string, unknown> | undefined, kind: "tags" | "desired"): Problem[] {
  if (collection === undefined) return [];
  const problems: Problem[] = [];
  const walk = (at: string, object: Record<string, unknown>, depth: number) => {
    for (const [key, value] of Object.entries(object)) {
      const keyPath = `${at}.${key}`;
      if (RESERVED_TWIN_KEYS.has(key)) {
        problems.push({ path: keyPath, value: key, message: "is a twin property name Azure reserves (version, count, metadata)" });
      } else if (key.includes("$")) {
        problems.push({ path: keyPath, value: key, message: "twin property names may not contain $ (Azure reserves it)" });
      } else if (/[. ]/.test(key) || CONTROL.test(key)) {
        problems.push({ path: keyPath, value: key, message: "twin property names may not contain a period, a space or a control character" });
      } else if (/\s/.test(key)) {
        problems.push({ path: keyPath, value: key, message: "twin property names may not contain white space" });
      }
      if (utf8Length(key) > TWIN_LIMITS.keyBytes) {
        problems.push({ path: keyPath, value: key, message: `twin property names are at most ${TWIN_LIMITS.keyBytes} bytes (UTF-8); this one is ${utf8Length(key)}` });
      }
      if (typeof value === "string" && utf8Length(value) > TWIN_LIMITS.stringBytes) {
        problems.push({ path: keyPath, value, message: `twin string values are at most ${TWIN_LIMITS.stringBytes} bytes (UTF-8); this one is ${utf8Length(value)}` });
      }
      const items = Array.isArray(value) ? value : [value];
      for (const item of items) {
        if (!isObject(item)) continue;
        if (depth + 1 > TWIN_LIMITS.depth) {
          problems.push({ path: keyPath, value: "{…}", message: `nests objects more than ${TWIN_LIMITS.depth} levels deep below ${kind}; IoT Hub allows at most ${TWIN_LIMITS.depth}` });
          continue;
        }
        walk(keyPath, item, depth + 1);
      }
    }
  };
  walk(path, collection, 0);
  const size = twinValueSize(collection);
  const limit = kind === "tags" ? TWIN_LIMITS.tagsBytes : TWIN_LIMITS.desiredBytes;
  if (size > limit) {
    problems.push({ path, value: `(${size} bytes)`, message: `is ${size} bytes as IoT Hub counts twin size (keys plus values); ${kind === "tags" ? "tags" : "desired properties"} allow at most ${limit} (${limit / 1024} KB)` });
  }
  return problems;
}
