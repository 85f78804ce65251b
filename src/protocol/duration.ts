// Durations as nats-server reads them from its configuration: Go's
// time.ParseDuration.

const UNIT_NS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  "µs": 1e3, // U+00B5
  "μs": 1e3, // U+03BC
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

function isDigit(c: string): boolean {
  return c >= "0" && c <= "9";
}

/**
 * Go's time.ParseDuration, which nats-server applies to every duration string
 * ("1m30s", "1.5h", "-2s", "0"): the length in nanoseconds, or why the text
 * is not a duration. Fractions are scaled as Go does (float(frac) * unit/scale).
 */
export function parseGoDuration(text: string): { ns: number } | { error: string } {
  let s = text;
  let negative = false;
  if (s.startsWith("-") || s.startsWith("+")) {
    negative = s[0] === "-";
    s = s.slice(1);
  }
  if (s === "0") return { ns: 0 };
  if (s === "") return { error: "not a duration" };
  let total = 0;
  let i = 0;
  while (i < s.length) {
    const intStart = i;
    while (i < s.length && isDigit(s[i]!)) i++;
    const whole = s.slice(intStart, i);
    let fraction = "";
    if (s[i] === ".") {
      const fracStart = ++i;
      while (i < s.length && isDigit(s[i]!)) i++;
      fraction = s.slice(fracStart, i);
    }
    if (whole === "" && fraction === "") return { error: "not a duration" };
    const unitStart = i;
    while (i < s.length && s[i] !== "." && !isDigit(s[i]!)) i++;
    const unit = s.slice(unitStart, i);
    if (unit === "") return { error: "missing unit" };
    const scale = UNIT_NS[unit];
    if (scale === undefined) return { error: `unknown unit "${unit}"` };
    total += Number(whole || "0") * scale;
    if (fraction !== "") total += Math.trunc(Number(fraction) * (scale / 10 ** fraction.length));
    if (total > 9223372036854775807) return { error: "too long" };
  }
  return { ns: negative ? -total : total };
}
