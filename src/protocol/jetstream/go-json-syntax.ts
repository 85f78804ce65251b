// Whether bytes are valid JSON, and if not, what Go's encoding/json says about
// them: nats-server passes the decoder's error on to the client, as in
// `NATS/1.0 400 Bad Request - invalid character 'b' looking for beginning of
// object key string`. A port of the checking half of Go's scanner
// (encoding/json/scanner.go): one state per position in the grammar, the
// first byte that fits no state names the error. JSON.parse refuses the same
// inputs but in its own words.

type Step = (c: number) => Step | string;

const OBJECT_KEY = 0;
const OBJECT_VALUE = 1;
const ARRAY_VALUE = 2;

/** Go's error for `data` as a JSON document; null when it is valid JSON. */
export function goJsonSyntaxError(data: Uint8Array): string | null {
  const stack: number[] = [];

  const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
  const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
  const fail = (c: number, context: string) => `invalid character ${quoteChar(c)} ${context}`;

  const beginValue: Step = (c) => {
    if (isSpace(c)) return beginValue;
    switch (c) {
      case 0x7b: // {
        stack.push(OBJECT_KEY);
        return beginStringOrEmpty;
      case 0x5b: // [
        stack.push(ARRAY_VALUE);
        return beginValueOrEmpty;
      case 0x22: // "
        return inString;
      case 0x2d: // -
        return neg;
      case 0x30: // 0
        return zero;
      case 0x74: // t
        return literal("true", 1);
      case 0x66: // f
        return literal("false", 1);
      case 0x6e: // n
        return literal("null", 1);
    }
    if (c >= 0x31 && c <= 0x39) return one;
    return fail(c, "looking for beginning of value");
  };

  const beginValueOrEmpty: Step = (c) => {
    if (isSpace(c)) return beginValueOrEmpty;
    if (c === 0x5d) return endValue(c); // ]
    return beginValue(c);
  };

  const beginStringOrEmpty: Step = (c) => {
    if (isSpace(c)) return beginStringOrEmpty;
    if (c === 0x7d) {
      // }
      stack[stack.length - 1] = OBJECT_VALUE;
      return endValue(c);
    }
    return beginString(c);
  };

  const beginString: Step = (c) => {
    if (isSpace(c)) return beginString;
    if (c === 0x22) return inString;
    return fail(c, "looking for beginning of object key string");
  };

  const endValue: Step = (c) => {
    if (stack.length === 0) return endTop(c);
    if (isSpace(c)) return endValue;
    switch (stack[stack.length - 1]) {
      case OBJECT_KEY:
        if (c === 0x3a) {
          // :
          stack[stack.length - 1] = OBJECT_VALUE;
          return beginValue;
        }
        return fail(c, "after object key");
      case OBJECT_VALUE:
        if (c === 0x2c) {
          // ,
          stack[stack.length - 1] = OBJECT_KEY;
          return beginString;
        }
        if (c === 0x7d) {
          stack.pop();
          return endValue;
        }
        return fail(c, "after object key:value pair");
      default:
        if (c === 0x2c) return beginValue;
        if (c === 0x5d) {
          stack.pop();
          return endValue;
        }
        return fail(c, "after array element");
    }
  };

  const endTop: Step = (c) => (isSpace(c) ? endTop : fail(c, "after top-level value"));

  const inString: Step = (c) => {
    if (c === 0x22) return endValue;
    if (c === 0x5c) return inStringEscape;
    if (c < 0x20) return fail(c, "in string literal");
    return inString;
  };

  const inStringEscape: Step = (c) => {
    // b f n r t \ / "
    if (c === 0x62 || c === 0x66 || c === 0x6e || c === 0x72 || c === 0x74 || c === 0x5c || c === 0x2f || c === 0x22) {
      return inString;
    }
    if (c === 0x75) return hex(4);
    return fail(c, "in string escape code");
  };

  const hex =
    (left: number): Step =>
    (c) => {
      const ok = isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
      if (!ok) return fail(c, "in \\u hexadecimal character escape");
      return left === 1 ? inString : hex(left - 1);
    };

  const neg: Step = (c) => {
    if (c === 0x30) return zero;
    if (c >= 0x31 && c <= 0x39) return one;
    return fail(c, "in numeric literal");
  };

  const one: Step = (c) => (isDigit(c) ? one : zero(c));

  const zero: Step = (c) => {
    if (c === 0x2e) return dot;
    if (c === 0x65 || c === 0x45) return exponent;
    return endValue(c);
  };

  const dot: Step = (c) => (isDigit(c) ? dotDigits : fail(c, "after decimal point in numeric literal"));

  const dotDigits: Step = (c) => {
    if (isDigit(c)) return dotDigits;
    if (c === 0x65 || c === 0x45) return exponent;
    return endValue(c);
  };

  const exponent: Step = (c) => (c === 0x2b || c === 0x2d ? exponentSign : exponentSign(c));

  const exponentSign: Step = (c) => (isDigit(c) ? exponentDigits : fail(c, "in exponent of numeric literal"));

  const exponentDigits: Step = (c) => (isDigit(c) ? exponentDigits : endValue(c));

  const literal =
    (word: string, at: number): Step =>
    (c) => {
      const want = word.charCodeAt(at);
      if (c !== want) return fail(c, `in literal ${word} (expecting ${quoteChar(want)})`);
      return at + 1 === word.length ? endValue : literal(word, at + 1);
    };

  let step: Step = beginValue;
  for (let i = 0; i < data.length; i++) {
    const next = step(data[i]!);
    if (typeof next === "string") return next;
    step = next;
  }
  // As Go's scanner.eof: a space closes a number or literal the input ended
  // in (and is itself the invalid character after "1." or "tru"); anything
  // short of a complete top-level value is then an unexpected end.
  const last = step(0x20);
  if (typeof last === "string") return last;
  return last === endTop ? null : "unexpected end of JSON input";
}

/** Go's quoteChar: the byte as a one-character Go string literal, in single quotes. */
function quoteChar(c: number): string {
  if (c === 0x27) return "'\\''";
  if (c === 0x22) return "'\"'";
  return `'${goQuoteRune(c)}'`;
}

// strconv.Quote of string(rune(c)) without the double quotes: a byte outside
// ASCII is shown as the Latin-1 character of that value, as Go converts it.
function goQuoteRune(c: number): string {
  switch (c) {
    case 0x07:
      return "\\a";
    case 0x08:
      return "\\b";
    case 0x0c:
      return "\\f";
    case 0x0a:
      return "\\n";
    case 0x0d:
      return "\\r";
    case 0x09:
      return "\\t";
    case 0x0b:
      return "\\v";
    case 0x5c:
      return "\\\\";
  }
  if (c < 0x20 || c === 0x7f) return `\\x${c.toString(16).padStart(2, "0")}`;
  // Not printable in Go's sense: C1 controls and the soft hyphen.
  if ((c >= 0x80 && c < 0xa0) || c === 0xad) return `\\u00${c.toString(16).padStart(2, "0")}`;
  return String.fromCharCode(c);
}
