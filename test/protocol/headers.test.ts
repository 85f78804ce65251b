import { describe, expect, it } from "vitest";
import { canonicalHeaderName, decodeHeaders, encodeHeaders, headerProblem } from "../../src/protocol/headers.js";

describe("NATS headers", () => {
  it("round-trips fields, repeated names and order", () => {
    const fields: [string, string][] = [
      ["X-A", "1"],
      ["X-A", "2"],
      ["Content-Type", "text/plain; charset=utf-8"],
    ];
    const block = encodeHeaders(fields);
    expect(new TextDecoder().decode(block)).toBe("NATS/1.0\r\nX-A: 1\r\nX-A: 2\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
    expect(decodeHeaders(block)).toEqual({ status: null, description: "", fields });
  });

  it("reads the status line of server-made messages", () => {
    const enc = new TextEncoder();
    expect(decodeHeaders(enc.encode("NATS/1.0 503\r\n\r\n"))).toEqual({ status: 503, description: "", fields: [] });
    expect(decodeHeaders(enc.encode("NATS/1.0 408 Request Timeout\r\nNats-Pending-Messages: 1\r\n\r\n"))).toEqual({
      status: 408,
      description: "Request Timeout",
      fields: [["Nats-Pending-Messages", "1"]],
    });
    expect(decodeHeaders(enc.encode("HTTP/1.1 200\r\n\r\n"))).toBeNull();
  });

  it("refuses names and values that would break the block", () => {
    expect(headerProblem("X-Ok", "fine")).toBeNull();
    expect(headerProblem("Bad Name", "v")).toMatch(/invalid header name/);
    expect(headerProblem("X:y", "v")).toMatch(/invalid header name/);
    expect(headerProblem("X", "a\r\nInjected: 1")).toMatch(/line break/);
  });

  it("canonicalizes HTTP's lower-case names as NATS clients write them", () => {
    expect(canonicalHeaderName("content-type")).toBe("Content-Type");
    expect(canonicalHeaderName("nats-msg-id")).toBe("Nats-Msg-Id");
    expect(canonicalHeaderName("x")).toBe("X");
  });
});
