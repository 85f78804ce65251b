// Go's time.Duration as text, both ways, because nats-server speaks it in two
// places: it writes durations with %v (Duration.String) into status lines such
// as `409 Exceeded MaxRequestExpires of 2s`, and it reads the delay of a
// `-NAK 5s` ack with time.ParseDuration. Durations are nanoseconds; the
// arithmetic is done in BigInt so values past 2^53 come out as Go's do.

const NS = 1n;
const US = 1000n * NS;
const MS = 1000n * US;
const SECOND = 1000n * MS;
const MINUTE = 60n * SECOND;
const HOUR = 60n * MINUTE;
const MAX = (1n << 63n) - 1n;

/** `ns` as Go's Duration.String writes it: "0s", "1.5µs", "500ms", "2s", "1m0s", "2h3m4.5s". */
export function formatGoDuration(ns: number | bigint): string {
  let u = typeof ns === "bigint" ? ns : BigInt(Math.trunc(ns));
  const neg = u < 0n;
  if (neg) u = -u;
  let out: string;
  if (u < SECOND) {
    // Below a second Go picks the largest unit that keeps an integer part.
    if (u === 0n) return "0s";
    if (u < US) out = `${u}ns`;
    else if (u < MS) out = `${fraction(u, US)}µs`;
    else out = `${fraction(u, MS)}ms`;
  } else {
    const h = u / HOUR;
    const m = (u % HOUR) / MINUTE;
    const s = fraction(u % MINUTE, SECOND);
    out = h > 0n ? `${h}h${m}m${s}s` : m > 0n ? `${m}m${s}s` : `${s}s`;
  }
  return neg ? `-${out}` : out;
}

/** `v / unit` with the fraction's trailing zeros, and a bare point, left out. */
function fraction(v: bigint, unit: bigint): string {
  const whole = v / unit;
  const rest = v % unit;
  if (rest === 0n) return String(whole);
  const digits = String(unit).length - 1;
  return `${whole}.${String(rest).padStart(digits, "0").replace(/0+$/, "")}`;
}

const UNITS: ReadonlyMap<string, bigint> = new Map([
  ["ns", NS],
  ["us", US],
  ["µs", US], // U+00B5 micro sign
  ["μs", US], // U+03BC Greek mu
  ["ms", MS],
  ["s", SECOND],
  ["m", MINUTE],
  ["h", HOUR],
]);

/**
 * Go's time.ParseDuration: a sign, then one or more decimal numbers each with
 * a unit ("1h15m", "-1.5s", "300ms"), or a bare "0". Nanoseconds, or null
 * where Go returns an error (no unit, an unknown one, more than 2^63-1 ns).
 */
export function parseGoDuration(text: string): number | null {
  let s = text;
  let neg = false;
  if (s !== "" && (s[0] === "-" || s[0] === "+")) {
    neg = s[0] === "-";
    s = s.slice(1);
  }
  if (s === "0") return 0;
  if (s === "") return null;
  let total = 0n;
  let i = 0;
  while (i < s.length) {
    const start = i;
    let whole = 0n;
    while (i < s.length && isDigit(s.charCodeAt(i))) whole = whole * 10n + BigInt(s.charCodeAt(i++) - 0x30);
    const pre = i > start;
    // Go keeps the fraction's digits while they fit and drops the rest.
    let frac = 0n;
    let scale = 1n;
    let post = false;
    if (i < s.length && s[i] === ".") {
      i++;
      const fracStart = i;
      while (i < s.length && isDigit(s.charCodeAt(i))) {
        if (scale < 10n ** 18n) {
          frac = frac * 10n + BigInt(s.charCodeAt(i) - 0x30);
          scale *= 10n;
        }
        i++;
      }
      post = i > fracStart;
    }
    if (!pre && !post) return null;
    const unitStart = i;
    while (i < s.length && s[i] !== "." && !isDigit(s.charCodeAt(i))) i++;
    const unit = UNITS.get(s.slice(unitStart, i));
    if (unit === undefined) return null;
    if (whole > MAX / unit) return null;
    // Go scales the fraction in floating point; exact here, equal for any sane input.
    const v = whole * unit + (frac * unit) / scale;
    if (v > MAX + 1n) return null;
    total += v;
    if (total > MAX + 1n) return null;
  }
  if (!neg && total > MAX) return null;
  return Number(neg ? -total : total);
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
