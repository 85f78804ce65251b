// Conversions between the wire's bytes and the strings the sublist keys on.
// Subjects are nearly always ASCII, so the per-message path avoids TextDecoder's
// call overhead for them and falls back to it only for other UTF-8.

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Decodes UTF-8 bytes, quickly when they are ASCII (as subjects and sids almost always are). */
export function decode(b: Uint8Array): string {
  const n = b.length;
  if (n > 64) return decoder.decode(b);
  let s = "";
  for (let i = 0; i < n; i++) {
    const c = b[i];
    if (c >= 0x80) return decoder.decode(b);
    s += String.fromCharCode(c);
  }
  return s;
}

export function encode(s: string): Uint8Array {
  return encoder.encode(s);
}

/**
 * Remembers the last subject decoded. A connection tends to publish to the same
 * subject many times in a row, and comparing a few bytes is cheaper than
 * building the string again.
 */
export class LastDecoded {
  private bytes = new Uint8Array(0);
  private text = "";

  decode(b: Uint8Array): string {
    const last = this.bytes;
    const n = b.length;
    if (n === last.length) {
      let i = 0;
      while (i < n && b[i] === last[i]) i++;
      if (i === n) return this.text;
    }
    this.bytes = b.slice();
    this.text = decode(b);
    return this.text;
  }
}
