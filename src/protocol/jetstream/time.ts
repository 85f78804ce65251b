// Timestamps as JetStream's JSON carries them: Go's time.Time, which marshals as
// RFC 3339 with nanoseconds (time.RFC3339Nano: the fraction loses its trailing
// zeros, and is left out when zero). nats-server writes UTC, so "Z".
// Go's zero time, what an empty stream reports as first_ts, is rfc3339(ZERO_TIME_MS):
// "0001-01-01T00:00:00Z".

export const NS_PER_MS = 1_000_000;

/** Go's zero time.Time in Unix milliseconds. */
export const ZERO_TIME_MS = -62_135_596_800_000;

/** `ms` since the Unix epoch (a fraction down to nanoseconds is kept) as Go writes it. */
export function rfc3339(ms: number): string {
  const whole = Math.floor(ms);
  const milli = ((whole % 1000) + 1000) % 1000; // also for times before 1970
  let seconds = (whole - milli) / 1000;
  let nanos = milli * NS_PER_MS + Math.round((ms - whole) * NS_PER_MS);
  if (nanos >= 1e9) {
    nanos -= 1e9;
    seconds += 1;
  }
  // toISOString covers years 0 to 9999 as Go's format does ("0001-…").
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  if (nanos === 0) return `${base}Z`;
  let digits = 9;
  while (nanos % 10 === 0) {
    nanos /= 10;
    digits--;
  }
  return `${base}.${String(nanos).padStart(digits, "0")}Z`;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(?:(Z)|([+-])(\d{2}):(\d{2}))$/;

/**
 * Go's time.Time JSON (RFC 3339, any offset, any fraction) as Unix milliseconds,
 * the fraction below a millisecond dropped; null when Go would refuse it
 * (fields out of range, such as a 31st of April or a 24th hour).
 */
export function parseRfc3339(s: string): number | null {
  const m = RFC3339.exec(s);
  if (m === null) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  let offsetMinutes = 0;
  if (m[8] === undefined) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return null;
    offsetMinutes = (m[9] === "-" ? -1 : 1) * (oh * 60 + om);
  }
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, "0"));
  return date.getTime() + millis - offsetMinutes * 60_000;
}

function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
