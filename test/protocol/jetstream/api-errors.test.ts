import { describe, expect, it } from "vitest";
import {
  API_TYPES,
  apiErrorJson,
  errorResponse,
  invalidJson,
  JSERR,
  sequenceNotFound,
  streamInvalidConfig,
  streamMsgDeleteFailed,
  streamStoreFailed,
  wrongLastMsgId,
  wrongLastSequence,
} from "../../../src/protocol/jetstream/api-errors.js";
import { goJson } from "../../../src/protocol/jetstream/go-json.js";

describe("JetStream API error responses", () => {
  // nats-server 2.9.10's answers (`nats-server -js`, requests over raw TCP), each
  // with the error we give for the same request.
  const OBSERVED: ReadonlyArray<readonly [string, ReturnType<typeof wrongLastSequence>, string]> = [
    [
      API_TYPES.streamCreate,
      JSERR.streamNameExist,
      '{"type":"io.nats.jetstream.api.v1.stream_create_response","error":{"code":400,"err_code":10058,"description":"stream name already in use with a different configuration"}}',
    ],
    [
      API_TYPES.streamCreate,
      invalidJson(),
      '{"type":"io.nats.jetstream.api.v1.stream_create_response","error":{"code":400,"err_code":10025,"description":"invalid JSON"}}',
    ],
    [
      API_TYPES.streamCreate,
      JSERR.subjectOverlap,
      '{"type":"io.nats.jetstream.api.v1.stream_create_response","error":{"code":400,"err_code":10065,"description":"subjects overlap with an existing stream"}}',
    ],
    [
      API_TYPES.streamInfo,
      JSERR.streamNotFound,
      '{"type":"io.nats.jetstream.api.v1.stream_info_response","error":{"code":404,"err_code":10059,"description":"stream not found"},"total":0,"offset":0,"limit":0}',
    ],
    [
      API_TYPES.streamInfo,
      invalidJson(),
      '{"type":"io.nats.jetstream.api.v1.stream_info_response","error":{"code":400,"err_code":10025,"description":"invalid JSON"},"total":0,"offset":0,"limit":0}',
    ],
    [
      API_TYPES.streamDelete,
      JSERR.streamNotFound,
      '{"type":"io.nats.jetstream.api.v1.stream_delete_response","error":{"code":404,"err_code":10059,"description":"stream not found"}}',
    ],
    [
      API_TYPES.streamDelete,
      JSERR.notEmptyRequest,
      '{"type":"io.nats.jetstream.api.v1.stream_delete_response","error":{"code":400,"err_code":10038,"description":"expected an empty request payload"}}',
    ],
    [
      API_TYPES.streamPurge,
      JSERR.streamSealed,
      '{"type":"io.nats.jetstream.api.v1.stream_purge_response","error":{"code":400,"err_code":10109,"description":"invalid operation on sealed stream"},"purged":0}',
    ],
    [
      API_TYPES.streamPurge,
      JSERR.badRequest,
      '{"type":"io.nats.jetstream.api.v1.stream_purge_response","error":{"code":400,"err_code":10003,"description":"bad request"},"purged":0}',
    ],
    [
      API_TYPES.streamMsgGet,
      JSERR.noMessageFound,
      '{"type":"io.nats.jetstream.api.v1.stream_msg_get_response","error":{"code":404,"err_code":10037,"description":"no message found"}}',
    ],
    [
      API_TYPES.streamMsgDelete,
      streamMsgDeleteFailed("stream store EOF"),
      '{"type":"io.nats.jetstream.api.v1.stream_msg_delete_response","error":{"code":500,"err_code":10057,"description":"stream store EOF"}}',
    ],
    [
      API_TYPES.streamNames,
      invalidJson(),
      '{"type":"io.nats.jetstream.api.v1.stream_names_response","error":{"code":400,"err_code":10025,"description":"invalid JSON"},"total":0,"offset":0,"limit":0,"streams":null}',
    ],
    [
      API_TYPES.streamList,
      invalidJson(),
      '{"type":"io.nats.jetstream.api.v1.stream_list_response","error":{"code":400,"err_code":10025,"description":"invalid JSON"},"total":0,"offset":0,"limit":0,"streams":[]}',
    ],
    [
      API_TYPES.consumerInfo,
      JSERR.consumerNotFound,
      '{"type":"io.nats.jetstream.api.v1.consumer_info_response","error":{"code":404,"err_code":10014,"description":"consumer not found"}}',
    ],
    [
      API_TYPES.consumerDelete,
      JSERR.consumerNotFound,
      '{"type":"io.nats.jetstream.api.v1.consumer_delete_response","error":{"code":404,"err_code":10014,"description":"consumer not found"}}',
    ],
    [
      API_TYPES.consumerNames,
      JSERR.streamNotFound,
      '{"type":"io.nats.jetstream.api.v1.consumer_names_response","error":{"code":404,"err_code":10059,"description":"stream not found"},"total":0,"offset":0,"limit":0,"consumers":[]}',
    ],
    [
      API_TYPES.consumerList,
      JSERR.streamNotFound,
      '{"type":"io.nats.jetstream.api.v1.consumer_list_response","error":{"code":404,"err_code":10059,"description":"stream not found"},"total":0,"offset":0,"limit":0,"consumers":[]}',
    ],
    [
      API_TYPES.consumerCreate,
      JSERR.streamNotFound,
      '{"type":"io.nats.jetstream.api.v1.consumer_create_response","error":{"code":404,"err_code":10059,"description":"stream not found"}}',
    ],
    [
      API_TYPES.streamCreate,
      JSERR.replicasNotSupported,
      '{"type":"io.nats.jetstream.api.v1.stream_create_response","error":{"code":500,"err_code":10074,"description":"replicas \\u003e 1 not supported in non-clustered mode"}}',
    ],
  ];

  it.each(OBSERVED)("%s %j", (type, err, expected) => {
    expect(errorResponse(type, err)).toBe(expected);
  });

  it("fills the F errors' placeholders as nats-server does", () => {
    expect(wrongLastSequence(5)).toEqual({ code: 400, err_code: 10071, description: "wrong last sequence: 5" });
    expect(wrongLastMsgId("m1")).toEqual({ code: 400, err_code: 10070, description: "wrong last msg ID: m1" });
    expect(sequenceNotFound(9)).toEqual({ code: 400, err_code: 10043, description: "sequence 9 not found" });
    expect(streamStoreFailed("maximum messages exceeded")).toEqual({
      code: 503,
      err_code: 10077,
      description: "maximum messages exceeded",
    });
    expect(streamInvalidConfig("x")).toEqual({ code: 500, err_code: 10052, description: "x" });
    expect(invalidJson("unexpected end")).toEqual({ code: 400, err_code: 10025, description: "invalid JSON: unexpected end" });
    expect(JSERR.consumerMetadataLength("128KB")).toEqual({
      code: 400,
      err_code: 10135,
      description: "consumer metadata exceeds maximum size of 128KB",
    });
    expect(JSERR.consumerInactiveThresholdExcess("1m0s")).toEqual({
      code: 400,
      err_code: 10153,
      description: "consumer inactive threshold exceeds system limit of 1m0s",
    });
  });

  it("offers every error through JSERR, the fixed ones as shared constants", () => {
    expect(JSERR.wrongLastSequence(2)).toEqual(wrongLastSequence(2));
    expect(JSERR.streamCreate("boom")).toEqual({ code: 500, err_code: 10049, description: "boom" });
    expect(JSERR.streamNotFound).toBe(JSERR.streamNotFound);
    expect(Object.isFrozen(JSERR.streamNotFound)).toBe(true);
    const codes = Object.values(JSERR)
      .filter((v): v is typeof JSERR.badRequest => typeof v === "object")
      .map((v) => v.err_code);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it("leaves out an empty err_code and description, as Go's omitempty does", () => {
    expect(apiErrorJson({ code: 503, err_code: 0, description: "" })).toBe('{"code":503}');
  });
});

describe("Go's JSON escaping", () => {
  it("escapes <, > and & and the line separators, and nothing else", () => {
    expect(goJson({ s: "a.> <b> & c\u2028\u2029", n: 1 })).toBe('{"s":"a.\\u003e \\u003cb\\u003e \\u0026 c\\u2028\\u2029","n":1}');
    expect(goJson(["plain", "ünï", "q\"\\"])).toBe(JSON.stringify(["plain", "ünï", "q\"\\"]));
  });
});
