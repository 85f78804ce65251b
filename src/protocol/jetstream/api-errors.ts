// The errors the JetStream API answers with, byte for byte as nats-server 2.9.10
// sends them: codes and texts from server/errors.json (generated into
// server/jetstream_errors_generated.go), the response envelope from
// server/jetstream_api.go. Clients branch on err_code (nats.js JetStreamApiCodes,
// nats.go ErrorCode), so an entry's numbers never change. Where a later
// nats-server reworded a text, a comment says so.

import { goJson } from "./go-json.js";

/** nats-server's ApiError: `code` is HTTP-like, `err_code` identifies the error. */
export interface ApiError {
  readonly code: number;
  readonly err_code: number;
  readonly description: string;
}

function e(code: number, err_code: number, description: string): ApiError {
  return Object.freeze({ code, err_code, description });
}

/** 10071 `wrong last sequence: <seq>`, with the stream's (or subject's) actual last sequence. */
export function wrongLastSequence(seq: number): ApiError {
  return e(400, 10071, `wrong last sequence: ${seq}`);
}

/** 10070 `wrong last msg ID: <id>`, with the last message id the stream saw. */
export function wrongLastMsgId(id: string): ApiError {
  return e(400, 10070, `wrong last msg ID: ${id}`);
}

/**
 * 10025. nats-server 2.9.10 says just "invalid JSON"; from 2.10 it appends the
 * decoder's error ("invalid JSON: json: cannot unmarshal …"), which we give where
 * we know it: the code and err_code clients test are the same either way.
 */
export function invalidJson(err?: string): ApiError {
  return e(400, 10025, err === undefined ? "invalid JSON" : `invalid JSON: ${err}`);
}

/** 10043 `sequence <seq> not found`. */
export function sequenceNotFound(seq: number): ApiError {
  return e(400, 10043, `sequence ${seq} not found`);
}

// The "{err}" errors: nats-server passes an error's text through, mostly with
// code 500 even for a mistake in the request (config errors are 500 10052).

export function consumerCreate(err: string): ApiError {
  return e(500, 10012, err);
}

export function streamCreate(err: string): ApiError {
  return e(500, 10049, err);
}

export function streamDelete(err: string): ApiError {
  return e(500, 10050, err);
}

export function streamGeneralError(err: string): ApiError {
  return e(500, 10051, err);
}

export function streamInvalidConfig(err: string): ApiError {
  return e(500, 10052, err);
}

export function streamLimits(err: string): ApiError {
  return e(500, 10053, err);
}

export function streamMsgDeleteFailed(err: string): ApiError {
  return e(500, 10057, err);
}

export function streamUpdate(err: string): ApiError {
  return e(500, 10069, err);
}

export function streamStoreFailed(err: string): ApiError {
  return e(503, 10077, err);
}

export function consumerInvalidPolicy(err: string): ApiError {
  return e(400, 10094, err);
}

export function consumerInvalidSampling(err: string): ApiError {
  return e(400, 10095, `failed to parse consumer sampling configuration: ${err}`);
}

export function consumerNameTooLong(max: number): ApiError {
  return e(400, 10102, `consumer name is too long, maximum allowed is ${max}`);
}

export function consumerStoreFailed(err: string): ApiError {
  return e(500, 10104, `error creating store for consumer: ${err}`);
}

export function consumerDescriptionTooLong(max: number): ApiError {
  return e(400, 10107, `consumer description is too long, maximum allowed is ${max}`);
}

export function streamPurgeFailed(err: string): ApiError {
  return e(500, 10110, err);
}

export function streamRollupFailed(err: string): ApiError {
  return e(500, 10111, err);
}

export function consumerMaxPendingAckExcess(limit: number): ApiError {
  return e(400, 10121, `consumer max ack pending exceeds system limit of ${limit}`);
}

export function consumerMaxRequestBatchExceeded(limit: number): ApiError {
  return e(400, 10125, `consumer max request batch exceeds server limit of ${limit}`);
}

/** 10135 (2.10); `limit` as nats-server writes it, "128KB". */
export function consumerMetadataLength(limit: string): ApiError {
  return e(400, 10135, `consumer metadata exceeds maximum size of ${limit}`);
}

/** 10153 (2.10); `limit` is the stream's consumer_limits.inactive_threshold as Go writes a duration ("30s"). */
export function consumerInactiveThresholdExcess(limit: string): ApiError {
  return e(400, 10153, `consumer inactive threshold exceeds system limit of ${limit}`);
}

/**
 * Every error by name: the fixed ones (errors.json entries without a
 * placeholder) as constants, so a caller may compare by identity, and the "F"
 * ones as the functions above.
 */
export const JSERR = {
  accountResourcesExceeded: e(400, 10002, "resource limits exceeded for account"),
  badRequest: e(400, 10003, "bad request"),
  consumerNameExist: e(400, 10013, "consumer name already in use"),
  consumerNotFound: e(404, 10014, "consumer not found"),
  consumerDurableNameNotInSubject: e(400, 10016, "consumer expected to be durable but no durable name set in subject"),
  consumerDurableNameNotMatchSubject: e(400, 10017, "consumer name in subject does not match durable name in request"),
  consumerDurableNameNotSet: e(400, 10018, "consumer expected to be durable but a durable name was not set"),
  consumerEphemeralWithDurableInSubject: e(
    400,
    10019,
    "consumer expected to be ephemeral but detected a durable name set in subject",
  ),
  consumerEphemeralWithDurableName: e(400, 10020, "consumer expected to be ephemeral but a durable name was set in request"),
  clusterNotAvailable: e(503, 10008, "JetStream system temporarily unavailable"),
  insufficientResources: e(503, 10023, "insufficient resources"),
  maximumConsumersLimit: e(400, 10026, "maximum consumers limit reached"),
  maximumStreamsLimit: e(400, 10027, "maximum number of streams reached"),
  memoryResourcesExceeded: e(500, 10028, "insufficient memory resources available"),
  noMessageFound: e(404, 10037, "no message found"),
  notEmptyRequest: e(400, 10038, "expected an empty request payload"),
  notEnabledForAccount: e(503, 10039, "JetStream not enabled for account"),
  storageResourcesExceeded: e(500, 10047, "insufficient storage resources available"),
  messageExceedsMaximum: e(400, 10054, "message size exceeds maximum allowed"),
  streamMirrorNotUpdatable: e(400, 10055, "stream mirror configuration can not be updated"),
  streamMismatch: e(400, 10056, "stream name in subject does not match request"),
  streamNameExist: e(400, 10058, "stream name already in use with a different configuration"),
  streamNotFound: e(404, 10059, "stream not found"),
  streamNotMatch: e(400, 10060, "expected stream does not match"),
  streamSequenceNotMatch: e(503, 10063, "expected stream sequence does not match"),
  subjectOverlap: e(400, 10065, "subjects overlap with an existing stream"),
  replicasNotSupported: e(500, 10074, "replicas > 1 not supported in non-clustered mode"),
  notEnabled: e(503, 10076, "JetStream not enabled"),
  consumerConfigRequired: e(400, 10078, "consumer config required"),
  consumerDeliverToWildcards: e(400, 10079, "consumer deliver subject has wildcards"),
  consumerPushMaxWaiting: e(400, 10080, "consumer in push mode can not set max waiting"),
  consumerDeliverCycle: e(400, 10081, "consumer deliver subject forms a cycle"),
  consumerMaxPendingAckPolicyRequired: e(400, 10082, "consumer requires ack policy for max ack pending"),
  consumerSmallHeartbeat: e(400, 10083, "consumer idle heartbeat needs to be >= 100ms"),
  // 2.11 reworded it: "consumer in pull mode requires explicit ack policy on workqueue stream".
  consumerPullRequiresAck: e(400, 10084, "consumer in pull mode requires ack policy"),
  consumerPullNotDurable: e(400, 10085, "consumer in pull mode requires a durable name"),
  consumerPullWithRateLimit: e(400, 10086, "consumer in pull mode can not have rate limit set"),
  consumerMaxWaitingNegative: e(400, 10087, "consumer max waiting needs to be positive"),
  consumerHBRequiresPush: e(400, 10088, "consumer idle heartbeat requires a push based consumer"),
  consumerFCRequiresPush: e(400, 10089, "consumer flow control requires a push based consumer"),
  consumerDirectRequiresPush: e(400, 10090, "consumer direct requires a push based consumer"),
  consumerDirectRequiresEphemeral: e(400, 10091, "consumer direct requires an ephemeral consumer"),
  consumerOnMapped: e(400, 10092, "consumer direct on a mapped consumer"),
  consumerFilterNotSubset: e(400, 10093, "consumer filter subject is not a valid subset of the interest subjects"),
  streamInvalid: e(500, 10096, "stream not valid"),
  headerExceedsMaximum: e(400, 10097, "header size exceeds maximum allowed of 64k"),
  consumerWQRequiresExplicitAck: e(400, 10098, "workqueue stream requires explicit ack"),
  consumerWQMultipleUnfiltered: e(400, 10099, "multiple non-filtered consumers not allowed on workqueue stream"),
  consumerWQConsumerNotUnique: e(400, 10100, "filtered consumer not unique on workqueue stream"),
  consumerWQConsumerNotDeliverAll: e(400, 10101, "consumer must be deliver all on workqueue stream"),
  consumerBadDurableName: e(400, 10103, "durable name can not contain '.', '*', '>'"),
  consumerExistingActive: e(400, 10105, "consumer already exists and is still active"),
  consumerReplacementWithDifferentName: e(400, 10106, "consumer replacement durable config not the same"),
  consumerWithFlowControlNeedsHeartbeats: e(400, 10108, "consumer with flow control also needs heartbeats"),
  streamSealed: e(400, 10109, "invalid operation on sealed stream"),
  consumerInvalidDeliverSubject: e(400, 10112, "invalid push consumer deliver subject"),
  streamMaxBytesRequired: e(400, 10113, "account requires a stream config to have max bytes set"),
  consumerMaxRequestBatchNegative: e(400, 10114, "consumer max request batch needs to be > 0"),
  consumerMaxRequestExpiresTooSmall: e(400, 10115, "consumer max request expires needs to be >= 1ms"),
  consumerMaxDeliverBackoff: e(400, 10116, "max deliver is required to be > length of backoff values"),
  streamInfoMaxSubjects: e(500, 10117, "subject details would exceed maximum allowed"),
  noLimits: e(400, 10120, "no JetStream default or applicable tiered limit present"),
  streamMaxStreamBytesExceeded: e(400, 10122, "stream max bytes exceeds account limit max stream bytes"),
  consumerReplicasExceedsStream: e(400, 10126, "consumer config replica count exceeds parent stream"),
  consumerNameContainsPathSeparators: e(400, 10127, "Consumer name can not contain path separators"),
  streamNameContainsPathSeparators: e(400, 10128, "Stream name can not contain path separators"),
  consumerCreateFilterSubjectMismatch: e(
    400,
    10131,
    "Consumer create request did not match filtered subject from create subject",
  ),
  consumerCreateDurableAndNameMismatch: e(400, 10132, "Consumer Durable and Name have to be equal if both are provided"),
  replicasCountCannotBeNegative: e(400, 10133, "replicas count cannot be negative"),
  // 10136 to 10149: nats-server 2.10, for filter_subjects and the create action.
  consumerDuplicateFilterSubjects: e(400, 10136, "consumer cannot have both FilterSubject and FilterSubjects specified"),
  consumerMultipleFiltersNotAllowed: e(400, 10137, "consumer with multiple subject filters cannot use subject based API"),
  consumerOverlappingSubjectFilters: e(400, 10138, "consumer subject filters cannot overlap"),
  consumerEmptyFilter: e(400, 10139, "consumer filter in FilterSubjects cannot be empty"),
  consumerAlreadyExists: e(400, 10148, "consumer already exists"),
  consumerDoesNotExist: e(400, 10149, "consumer does not exist"),
  // From 2.12: 2.10 takes a negative ack_wait or backoff, which then redelivers at once, always.
  consumerAckWaitNegative: e(400, 10183, "consumer ack wait needs to be positive"),
  consumerBackOffNegative: e(400, 10184, "consumer backoff needs to be positive"),
  // Not in 2.9.10, which has only wrongLastSequence(seq). From 2.11, for an
  // expected last sequence that cannot be checked against a settled value (a
  // message to the same subject still in flight, or inside an atomic batch).
  streamWrongLastSequenceConstant: e(400, 10164, "wrong last sequence"),

  wrongLastSequence,
  wrongLastMsgId,
  invalidJson,
  sequenceNotFound,
  consumerCreate,
  streamCreate,
  streamDelete,
  streamGeneralError,
  streamInvalidConfig,
  streamLimits,
  streamMsgDeleteFailed,
  streamUpdate,
  streamStoreFailed,
  consumerInvalidPolicy,
  consumerInvalidSampling,
  consumerNameTooLong,
  consumerStoreFailed,
  consumerDescriptionTooLong,
  streamPurgeFailed,
  streamRollupFailed,
  consumerMaxPendingAckExcess,
  consumerMaxRequestBatchExceeded,
  consumerMetadataLength,
  consumerInactiveThresholdExcess,
} as const;

const V1 = "io.nats.jetstream.api.v1.";

/** The `type` of each API response (nats-server's JSApi…ResponseType constants). */
export const API_TYPES = {
  accountInfo: `${V1}account_info_response`,
  streamCreate: `${V1}stream_create_response`,
  streamUpdate: `${V1}stream_update_response`,
  streamInfo: `${V1}stream_info_response`,
  streamDelete: `${V1}stream_delete_response`,
  streamPurge: `${V1}stream_purge_response`,
  streamNames: `${V1}stream_names_response`,
  streamList: `${V1}stream_list_response`,
  streamMsgGet: `${V1}stream_msg_get_response`,
  streamMsgDelete: `${V1}stream_msg_delete_response`,
  consumerCreate: `${V1}consumer_create_response`,
  consumerInfo: `${V1}consumer_info_response`,
  consumerDelete: `${V1}consumer_delete_response`,
  consumerNames: `${V1}consumer_names_response`,
  consumerList: `${V1}consumer_list_response`,
  // nats-server's JSApiOverloadedType: the type it answers with when it cannot
  // take an API request at all (its API queue is full), whatever was asked.
  system: `${V1}system_overloaded`,
} as const;

const PAGED = ',"total":0,"offset":0,"limit":0';

// nats-server marshals the whole response struct even when it carries an error,
// so the fields its response types do not omit when empty follow the error:
// paging on info and lists, `purged` on purge, and the list itself (a nil slice
// for stream names, an empty one where the handler starts from []…{}).
const ERROR_TAIL: Readonly<Record<string, string>> = {
  [API_TYPES.streamInfo]: PAGED,
  [API_TYPES.streamPurge]: ',"purged":0',
  [API_TYPES.streamNames]: `${PAGED},"streams":null`,
  [API_TYPES.streamList]: `${PAGED},"streams":[]`,
  [API_TYPES.consumerNames]: `${PAGED},"consumers":[]`,
  [API_TYPES.consumerList]: `${PAGED},"consumers":[]`,
};

/** The ApiError object as nats-server encodes it (err_code and description are omitempty). */
export function apiErrorJson(err: ApiError): string {
  let json = `{"code":${err.code}`;
  if (err.err_code !== 0) json += `,"err_code":${err.err_code}`;
  if (err.description !== "") json += `,"description":${goJson(err.description)}`;
  return `${json}}`;
}

/** The whole response nats-server sends for an API request of `type` that failed with `err`. */
export function errorResponse(type: string, err: ApiError): string {
  return `{"type":${goJson(type)},"error":${apiErrorJson(err)}${ERROR_TAIL[type] ?? ""}}`;
}
