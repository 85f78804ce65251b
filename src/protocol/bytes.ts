// Conversions between the wire's bytes and the strings the sublist keys on.
// Subjects are nearly always ASCII, so the per-message path avoids TextDecoder's
// call overhead for them and falls back to it only for other UTF-8.
//
// nats-server compares subjects as bytes. Decoding must therefore be lossless:
// bytes that are not valid UTF-8 become lone surrogates (U+DC80..U+DCFF, one per
// byte, as Python's "surrogateescape" does), which no valid UTF-8 decodes to, so
// two different byte strings never become the same string.

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();

/** Decodes UTF-8 bytes, quickly when they are ASCII (as subjects and sids almost always are). */
export function decode(b: Uint8Array): string {
  const n = b.length;
  if (n > 64) return utf8(b);
  let s = "";
  for (let i = 0; i < n; i++) {
    const c = b[i];
    if (c >= 0x80) return utf8(b);
    s += String.fromCharCode(c);
  }
  return s;
}

function utf8(b: Uint8Array): string {
  try {
    return decoder.decode(b);
  } catch {
    return escaped(b);
  }
}

/** UTF-8 with each byte that is not part of a valid sequence escaped as a lone surrogate. */
function escaped(b: Uint8Array): string {
  let s = "";
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    const len = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (len === 1) {
      s += String.fromCharCode(c);
      i++;
      continue;
    }
    if (len > 0 && i + len <= b.length) {
      try {
        s += decoder.decode(b.subarray(i, i + len));
        i += len;
        continue;
      } catch {
        // not a valid sequence after all: escape its first byte
      }
    }
    s += String.fromCharCode(0xdc00 + c);
    i++;
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

/** The bytes of a string, kept while the same string comes again (a subject per message, say). */
export class LastEncoded {
  private text: string | null = null;
  private bytes: Uint8Array = new Uint8Array(0);

  encode(s: string): Uint8Array {
    if (s !== this.text) {
      this.text = s;
      this.bytes = encoder.encode(s);
    }
    return this.bytes;
  }
}
