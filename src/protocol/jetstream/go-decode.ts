// Reading a parsed JSON request into the fields of a nats-server config struct
// the way Go's encoding/json does, so a request nats-server accepts is accepted
// here and one it refuses is refused with the decoder's own words:
// - keys match a field exactly, else case-insensitively ("NAME" fills `name`);
//   unknown keys are ignored;
// - null leaves a field as it was, except for types with their own UnmarshalJSON
//   (nats-server's policy enums), which are handed the null and refuse it;
// - a value of the wrong JSON type, a fraction or an out-of-range number for an
//   integer is an error naming the field and the Go type:
//   `json: cannot unmarshal string into Go struct field StreamConfig.max_msgs of type int64`.
// Integers arrive as JS numbers, exact up to 2^53; beyond that, as in any JS
// client, they are approximate.

export type GoIntType = "int" | "int32" | "int64" | "uint64" | "time.Duration";

export type GoField =
  | { readonly kind: "string" }
  | { readonly kind: "bool" }
  | { readonly kind: "int"; readonly type: GoIntType }
  | { readonly kind: "strings" }
  | { readonly kind: "stringMap" }
  /** A string enum with its own UnmarshalJSON; `refuse` gives its error for the raw JSON. */
  | {
      readonly kind: "enum";
      readonly values: readonly string[];
      readonly foldCase: boolean;
      readonly refuse: (raw: string) => string;
    }
  | { readonly kind: "struct"; readonly type: string; readonly fields: GoFields }
  /** Kept as parsed: fields we do not interpret but refuse or pass through. */
  | { readonly kind: "any" };

export type GoFields = Readonly<Record<string, GoField>>;

export type Decoded = { ok: true; value: Record<string, unknown> } | { ok: false; error: string };

const INT_RANGE: Readonly<Record<GoIntType, readonly [number, number]>> = {
  int: [-(2 ** 63), 2 ** 63],
  int64: [-(2 ** 63), 2 ** 63],
  "time.Duration": [-(2 ** 63), 2 ** 63],
  int32: [-(2 ** 31), 2 ** 31 - 1],
  uint64: [0, 2 ** 64],
};

/** What Go's decoder calls a JSON value's type in its errors. */
function jsonKind(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "object") return "object";
  if (typeof v === "boolean") return "bool";
  return typeof v; // "string" | "number"
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Decodes `input` (a JSON.parse result) as Go would into the struct `type`
 * (e.g. "StreamConfig"): the fields present and not null, by their JSON names.
 * A top-level null decodes to no fields, as Go's does.
 */
export function decodeGoStruct(input: unknown, type: string, fields: GoFields): Decoded {
  if (input === null) return { ok: true, value: {} };
  if (!isObject(input)) {
    return { ok: false, error: `json: cannot unmarshal ${jsonKind(input)} into Go value of type server.${type}` };
  }
  return decodeFields(input, type, fields, "");
}

function decodeFields(input: Record<string, unknown>, type: string, fields: GoFields, path: string): Decoded {
  const value: Record<string, unknown> = {};
  for (const key of Object.keys(input)) {
    const name = fieldName(key, fields);
    if (name === null) continue;
    const v = input[key];
    // Go's error names the innermost struct and the JSON path from the top.
    const where = `${type}.${path}${name}`;
    const r = decodeValue(v, fields[name]!, where, `${path}${name}.`);
    if (typeof r === "string") return { ok: false, error: r };
    if (r.set) value[name] = r.value;
    else if (v === null) delete value[name];
  }
  return { ok: true, value };
}

function fieldName(key: string, fields: GoFields): string | null {
  if (Object.hasOwn(fields, key)) return key;
  const lower = key.toLowerCase();
  for (const name of Object.keys(fields)) if (name === lower) return name;
  return null;
}

type Result = { set: true; value: unknown } | { set: false } | string;

function decodeValue(v: unknown, field: GoField, where: string, path: string): Result {
  const mismatch = (goType: string, shown = jsonKind(v)) =>
    `json: cannot unmarshal ${shown} into Go struct field ${where} of type ${goType}`;
  if (field.kind === "enum") {
    const raw = JSON.stringify(v);
    const s = typeof v === "string" ? (field.foldCase ? v.toLowerCase() : v) : null;
    return s !== null && field.values.includes(s) ? { set: true, value: s } : field.refuse(raw);
  }
  if (v === null) return { set: false };
  switch (field.kind) {
    case "any":
      return { set: true, value: v };
    case "string":
      return typeof v === "string" ? { set: true, value: v } : mismatch("string");
    case "bool":
      return typeof v === "boolean" ? { set: true, value: v } : mismatch("bool");
    case "int": {
      if (typeof v !== "number") return mismatch(field.type);
      const [min, max] = INT_RANGE[field.type];
      if (!Number.isInteger(v) || v < min || v > max) return mismatch(field.type, `number ${v}`);
      return { set: true, value: v === 0 ? 0 : v }; // no -0
    }
    case "strings": {
      if (!Array.isArray(v)) return mismatch("[]string");
      const out: string[] = [];
      for (const item of v) {
        // A null element stays Go's zero value, "".
        if (item !== null && typeof item !== "string") return mismatch("string", jsonKind(item));
        out.push(item ?? "");
      }
      return { set: true, value: out };
    }
    case "stringMap": {
      if (!isObject(v)) return mismatch("map[string]string");
      const out: Record<string, string> = {};
      for (const [k, item] of Object.entries(v)) {
        if (item !== null && typeof item !== "string") return mismatch("string", jsonKind(item));
        out[k] = item ?? "";
      }
      return { set: true, value: out };
    }
    case "struct": {
      if (!isObject(v)) return mismatch(`server.${field.type}`);
      const r = decodeFields(v, field.type, field.fields, path);
      return r.ok ? { set: true, value: r.value } : r.error;
    }
  }
}
