import { describe, expect, it } from "vitest";
import { decode, encode, LastDecoded } from "../../src/protocol/bytes";

const utf8 = (s: string) => new TextEncoder().encode(s);

describe("decode", () => {
  it("ASCII, including the empty string and exactly 64 bytes (the fast path)", () => {
    expect(decode(new Uint8Array(0))).toBe("");
    expect(decode(utf8("foo.bar.>"))).toBe("foo.bar.>");
    expect(decode(utf8("_INBOX.abc123.*"))).toBe("_INBOX.abc123.*");
    const all = String.fromCharCode(...Array.from({ length: 128 }, (_, i) => i)).slice(0, 64);
    expect(decode(utf8(all))).toBe(all);
    const ascii64 = "a.b-".repeat(16);
    expect(ascii64.length).toBe(64);
    expect(decode(utf8(ascii64))).toBe(ascii64);
    const high = String.fromCharCode(...Array.from({ length: 64 }, (_, i) => 64 + i));
    expect(decode(utf8(high))).toBe(high);
  });

  it("non-ASCII UTF-8, wherever the first non-ASCII byte falls", () => {
    for (const s of ["ü", "ünïcödé.主题", "foo.bär", "abc😀", "😀abc", `${"x".repeat(63)}é`, `${"x".repeat(60)}主`]) {
      expect(decode(utf8(s)), s).toBe(s);
    }
  });

  it("more than 64 bytes, ASCII or not", () => {
    for (const s of ["a".repeat(65), "subject.".repeat(20), `${"x".repeat(100)}ü`, "主题".repeat(40), "x".repeat(10_000)]) {
      expect(decode(utf8(s))).toBe(s);
    }
  });

  it("a view into a larger buffer decodes only its own bytes", () => {
    const big = utf8("PUB foo.ü.bar 5\r\n");
    expect(decode(big.subarray(4, 14))).toBe("foo.ü.bar");
    expect(decode(big.subarray(0, 3))).toBe("PUB");
  });

  it("invalid UTF-8 decodes losslessly: each stray byte a lone surrogate, so different bytes never decode alike", () => {
    expect(decode(Uint8Array.from([0x61, 0x2e, 0xff]))).toBe("a.\udcff");
    expect(decode(Uint8Array.from([0x61, 0x2e, 0xfe]))).toBe("a.\udcfe");
    expect(decode(Uint8Array.from([0x61, 0xc3]))).toBe("a\udcc3");
    expect(decode(Uint8Array.from([0xe4, 0xb8, 0x41]))).toBe("\udce4\udcb8A");
    expect(decode(Uint8Array.from([0xc3, 0xbc, 0x80]))).toBe("ü\udc80");
    expect(decode(Uint8Array.from(Array(70).fill(0xc0)))).toBe("\udcc0".repeat(70));
    const seen = new Map<string, string>();
    for (let x = 0x80; x <= 0xff; x++) {
      for (let y = 0; y <= 0xff; y += 17) {
        const b = Uint8Array.from([0x61, x, y]);
        const s = decode(b);
        const key = Array.from(b).join(",");
        expect(seen.get(s) ?? key, `${key} decodes like ${seen.get(s)}`).toBe(key);
        seen.set(s, key);
      }
    }
  });

  it("valid UTF-8, a byte-order mark included, decodes as TextDecoder does", () => {
    for (const text of ["grüße", "\ufeffbom", "日本.語", "emoji.😀"]) expect(decode(encode(text))).toBe(text);
  });
});

describe("encode", () => {
  it("is UTF-8", () => {
    expect(encode("")).toEqual(new Uint8Array(0));
    expect(encode("foo")).toEqual(Uint8Array.from([0x66, 0x6f, 0x6f]));
    expect(encode("ü")).toEqual(Uint8Array.from([0xc3, 0xbc]));
    expect(encode("😀")).toEqual(Uint8Array.from([0xf0, 0x9f, 0x98, 0x80]));
  });

  it("round-trips through decode", () => {
    for (const s of ["", "foo.bar", "ünïcödé.主题", "😀.*.>", "a".repeat(64), "a".repeat(65), "é".repeat(33), "x".repeat(5000) + "主"]) {
      expect(decode(encode(s))).toBe(s);
    }
  });
});

describe("LastDecoded", () => {
  it("returns the same text for the same bytes, and new text for new bytes, even if the input is reused", () => {
    const last = new LastDecoded();
    const buf = new TextEncoder().encode("foo.bar");
    expect(last.decode(buf)).toBe("foo.bar");
    expect(last.decode(new TextEncoder().encode("foo.bar"))).toBe("foo.bar");
    buf.set(new TextEncoder().encode("foo.baz")); // the caller overwrites its buffer
    expect(last.decode(buf)).toBe("foo.baz");
    expect(last.decode(new TextEncoder().encode("fo"))).toBe("fo");
    expect(last.decode(new TextEncoder().encode("f\u00f3o"))).toBe("f\u00f3o");
  });
});
