import { describe, expect, it } from "vitest";
import { checkConsumerConfig, type ConsumerConfig } from "../../../src/protocol/jetstream/consumer-config.js";
import { checkPullRequest, parsePullRequest } from "../../../src/protocol/jetstream/pull-request.js";

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const ONE = { batch: 1, maxBytes: 0, expiresMs: 0, noWait: false, heartbeatMs: 0 };

function consumer(body: object): ConsumerConfig {
  const r = checkConsumerConfig(
    { durable_name: "PL", ack_policy: "explicit", ...body },
    { stream: "Q", nameInSubject: "PL", filterInSubject: null, op: "CONSUMER.DURABLE.CREATE" },
    { subjects: ["q.>"], retention: "limits" },
  );
  if (!r.ok) throw new Error(r.error.description);
  return r.config;
}

describe("a pull request, read as nats-server reads it", () => {
  it("takes an empty body as one message and a bare number as a count", () => {
    // nats-server 2.9.10 sent one message for "", two for "2", one for "-5" and
    // for {"expires":…} (a batch of 0), with more waiting in the stream.
    expect(parsePullRequest(bytes(""))).toEqual(ONE);
    expect(parsePullRequest(bytes(" \r\n"))).toEqual(ONE);
    expect(parsePullRequest(bytes("2"))).toEqual({ ...ONE, batch: 2 });
    expect(parsePullRequest(bytes(" +7\n"))).toEqual({ ...ONE, batch: 7 });
    expect(parsePullRequest(bytes("-5"))).toEqual(ONE);
    expect(parsePullRequest(bytes("abc"))).toEqual(ONE);
    expect(parsePullRequest(bytes("[5]"))).toEqual(ONE);
    expect(parsePullRequest(bytes('{"expires":300000000}'))).toEqual({ ...ONE, expiresMs: 300 });
    expect(parsePullRequest(bytes('{"batch":null}'))).toEqual(ONE);
  });

  it("reads the JSON form, keys in any case", () => {
    expect(
      parsePullRequest(bytes('{"batch":5,"expires":30000000000,"max_bytes":4096,"no_wait":true,"idle_heartbeat":5000000000}')),
    ).toEqual({ batch: 5, maxBytes: 4096, expiresMs: 30000, noWait: true, heartbeatMs: 5000 });
    expect(parsePullRequest(bytes('{"BATCH":3,"Expires":1500000}'))).toEqual({ ...ONE, batch: 3, expiresMs: 1.5 });
    expect(parsePullRequest(bytes('{"batch":2,"expires":-1}'))).toEqual({ ...ONE, batch: 2, expiresMs: -0.000001 });
  });

  it("answers what it cannot read with nats-server's error", () => {
    // What nats-server 2.9.10 put after "400 Bad Request - " for each body.
    const OBSERVED: ReadonlyArray<readonly [string, string]> = [
      ['{"batch":1,"expires":1000000000,"idle_heartbeat":600000000}', "heartbeat value too large"],
      ['{"batch":1,"idle_heartbeat":600000000}', "heartbeat value too large"],
      ['{"batch":"x"}', "json: cannot unmarshal string into Go struct field JSApiConsumerGetNextRequest.batch of type int"],
      [
        '{"expires":"1s"}',
        "json: cannot unmarshal string into Go struct field JSApiConsumerGetNextRequest.expires of type time.Duration",
      ],
      ['{"batch":1.5}', "json: cannot unmarshal number 1.5 into Go struct field JSApiConsumerGetNextRequest.batch of type int"],
      ['{"no_wait":1}', "json: cannot unmarshal number into Go struct field JSApiConsumerGetNextRequest.no_wait of type bool"],
      ["{bad", "invalid character 'b' looking for beginning of object key string"],
      ['{"batch":1', "unexpected end of JSON input"],
    ];
    for (const [body, error] of OBSERVED) expect(parsePullRequest(bytes(body)), body).toEqual({ error });
  });
});

describe("a pull request against its consumer's limits", () => {
  const PL = consumer({ max_batch: 10, max_expires: 2e9, max_bytes: 1000 });
  const refusal = (c: ConsumerConfig, body: string) => {
    const r = checkPullRequest(bytes(body), c);
    return r.ok ? "ok" : text(r.status);
  };

  it("refuses as nats-server 2.9.10 did, in its order", () => {
    expect(refusal(PL, '{"batch":20}')).toBe("NATS/1.0 409 Exceeded MaxRequestBatch of 10\r\n\r\n");
    expect(refusal(PL, '{"batch":1,"expires":5000000000}')).toBe("NATS/1.0 409 Exceeded MaxRequestExpires of 2s\r\n\r\n");
    expect(refusal(PL, '{"batch":1,"max_bytes":5000}')).toBe("NATS/1.0 409 Exceeded MaxRequestMaxBytes of 1000\r\n\r\n");
    expect(refusal(PL, '{"batch":20,"max_bytes":5000}')).toBe("NATS/1.0 409 Exceeded MaxRequestBatch of 10\r\n\r\n");
    expect(refusal(PL, "{bad")).toBe(
      "NATS/1.0 400 Bad Request - invalid character 'b' looking for beginning of object key string\r\n\r\n",
    );
    const push = consumer({ deliver_subject: "pd.1" });
    expect(refusal(push, "{bad")).toBe("NATS/1.0 409 Consumer is push based\r\n\r\n");
  });

  it("takes what fits, and a request without expiry whatever max_expires says", () => {
    expect(checkPullRequest(bytes('{"batch":10,"expires":2000000000,"max_bytes":1000}'), PL)).toEqual({
      ok: true,
      request: { batch: 10, maxBytes: 1000, expiresMs: 2000, noWait: false, heartbeatMs: 0 },
    });
    expect(refusal(PL, '{"batch":3}')).toBe("ok");
    expect(refusal(consumer({}), '{"batch":100000,"expires":3600000000000}')).toBe("ok");
  });
});
