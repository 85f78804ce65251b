// What a log line is: one JSON object per line, `{"time","level","msg", ...fields}`,
// which `wrangler tail` and Workers Logs collect from the console and index by field.
// The levels are nats-server's (server/log.go: ERR, WRN, INF, DBG, TRC); LOG_LEVEL
// chooses how far down they are written, as nats-server's -D and -V do.
//
// Lines never carry secrets: passwords, tokens, JWTs, nkey seeds and signatures are
// replaced wherever a text from outside (a client's bytes, an error message) could
// carry one. A user name or an nkey's public key is not a secret; nats-server logs both.

export type Severity = "error" | "warn" | "info" | "debug" | "trace";

/** What LOG_LEVEL may say: info (the default), debug (nats-server's -D), trace (-V). */
export const LOG_LEVELS = ["info", "debug", "trace"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type LogFields = Readonly<Record<string, string | number | boolean | null | undefined>>;

/** One line: the time as ISO 8601, then level and message, then the fields (undefined ones left out). */
export function formatLine(time: number, level: Severity, msg: string, ...fields: (LogFields | undefined)[]): string {
  const line: Record<string, unknown> = { time: new Date(time).toISOString(), level, msg };
  for (const f of fields) if (f !== undefined) Object.assign(line, f);
  return JSON.stringify(line);
}

/** The message and stack of something thrown, secrets taken out. */
export function errorFields(e: unknown): { error: string; stack?: string } {
  if (e instanceof Error) return { error: redactSecrets(`${e.name}: ${e.message}`), stack: e.stack === undefined ? undefined : redactSecrets(e.stack) };
  return { error: redactSecrets(String(e)) };
}

const REDACTED = "[REDACTED]";

// A credential's value, in JSON (`"pass":"…"`, escapes and spaces included) or as
// `key=value`: the fields nats-server's removeSecretsFromTrace redacts (server/client.go),
// with `jwt` and `token` added.
const KEYS = "auth_token|token|pass\\w*|jwt|sig|proxy_sig";
const QUOTED = new RegExp(`("(?:${KEYS})"\\s*:\\s*")((?:[^"\\\\]|\\\\.)*)`, "gi");
const BARE = new RegExp(`(\\b(?:${KEYS})\\s*[:=]\\s*)([^",\\s}]+)`, "gi");
// A JWT wherever it appears (three base64url parts, the first a JSON header).
const JWT = /eyJ[\w-]*\.[\w-]+\.[\w-]*/g;
// An nkey seed (S, then the key type, then base32).
const SEED = /\bS[UANOCXP][A-Z2-7]{50,}/g;

/** Text with every credential it may hold replaced by [REDACTED]. */
export function redactSecrets(text: string): string {
  return text.replace(JWT, REDACTED).replace(SEED, REDACTED).replace(QUOTED, `$1${REDACTED}`).replace(BARE, `$1${REDACTED}`);
}
