// Go's strconv.Atoi, which nats-server uses on a pull request's bare count and
// on a consumer's sample_freq, with its errors in its words.

/** The decimal integer `s` (an optional sign, then digits only), or Go's error. */
export function goAtoi(s: string): number | string {
  const syntax = `strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`;
  let i = s[0] === "+" || s[0] === "-" ? 1 : 0;
  if (i === s.length) return syntax;
  let n = 0;
  for (; i < s.length; i++) {
    const d = s.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return syntax;
    n = n * 10 + d;
  }
  if (n > 2 ** 63) return `strconv.Atoi: parsing ${JSON.stringify(s)}: value out of range`;
  return s[0] === "-" ? -n : n;
}
