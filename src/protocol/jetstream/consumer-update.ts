// A create request for a consumer that may already exist, or whose stream
// shares its messages out: what nats-server's addConsumerWithAssignment decides
// with the stream's other consumers in view, and checkNewConsumerConfig's rules
// for what an update may change (server/consumer.go, 2.10).

import { type ApiError, consumerCreate, JSERR } from "./api-errors.js";
import type { ConsumerConfig } from "./consumer-config.js";
import { subjectsCollide } from "./subject-collide.js";
import { parseRfc3339 } from "./time.js";

/**
 * Whether a consumer configured as `old` may become `next` (both from
 * checkConsumerConfig). A consumer's position in the stream and the shape of
 * its deliveries are fixed at creation; limits, filters, description, backoff
 * and the like may change. `oldDeliverSubjectHasInterest`: whether anyone still
 * subscribes to the push consumer's current deliver subject, which may then not
 * be moved away from them. The texts are nats-server's, as a 500 10012
 * consumerCreate error.
 */
export function checkConsumerUpdate(
  old: ConsumerConfig,
  next: ConsumerConfig,
  oldDeliverSubjectHasInterest = false,
): ApiError | null {
  const no = (what: string) => consumerCreate(`${what} can not be updated`);
  if (old.deliver_policy !== next.deliver_policy) return no("deliver policy");
  // From 2.12; 2.10 records the change and goes on storing where it was.
  if ((old.mem_storage ?? false) !== (next.mem_storage ?? false)) return no("storage type");
  if ((old.opt_start_seq ?? 0) !== (next.opt_start_seq ?? 0)) return no("start sequence");
  if (!sameInstant(old.opt_start_time, next.opt_start_time)) return no("start time");
  if (old.ack_policy !== next.ack_policy) return no("ack policy");
  if (old.replay_policy !== next.replay_policy) return no("replay policy");
  if ((old.idle_heartbeat ?? 0) !== (next.idle_heartbeat ?? 0)) return no("heart beats");
  if ((old.flow_control ?? false) !== (next.flow_control ?? false)) return no("flow control");
  const oldDeliver = old.deliver_subject ?? "";
  const nextDeliver = next.deliver_subject ?? "";
  if (oldDeliver !== nextDeliver) {
    if (oldDeliver === "") return consumerCreate("can not update pull consumer to push based");
    if (nextDeliver === "") return consumerCreate("can not update push consumer to pull based");
    if (oldDeliverSubjectHasInterest) return JSERR.consumerNameExist;
  }
  // 2.9.10 checks this before the deliver subject, so it says "max waiting" to
  // a pull consumer made push; 2.10 says what happened.
  if (old.max_waiting !== next.max_waiting) return no("max waiting");
  const backoff = next.backoff?.length ?? 0;
  if (backoff > 0 && next.max_deliver !== -1 && backoff > next.max_deliver) return JSERR.consumerMaxDeliverBackoff;
  return null;
}

// Go compares start times as instants: 05:00+05:00 is 00:00Z.
function sameInstant(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return parseRfc3339(a) === parseRfc3339(b) && subMillisecond(a) === subMillisecond(b);
}

function subMillisecond(t: string): string {
  const dot = t.search(/[.,]/);
  if (dot < 0) return "";
  let end = dot + 1;
  while (end < t.length && t[end]! >= "0" && t[end]! <= "9") end++;
  return t.slice(dot + 4, Math.min(end, dot + 10)).replace(/0+$/, "");
}

/** Another consumer of the stream, by name. */
export interface OtherConsumer {
  readonly name: string;
  readonly config: ConsumerConfig;
}

/**
 * On a workqueue stream each message goes to one consumer, so consumers split
 * the subjects between them (nats-server's partitionUnique): no two may
 * filter on subjects that collide, and an unfiltered consumer takes all.
 * `others` are the stream's consumers; the one named `name`, when it is among
 * them, is the one being updated, which only has to keep clear of the rest.
 *
 * nats-server checks this between the explicit-ack and the deliver-all rules
 * (which checkConsumerConfig applies), so where a request breaks both it
 * answers "deliver all" second and we first.
 */
export function checkWorkQueuePartition(
  name: string,
  config: ConsumerConfig,
  others: Iterable<OtherConsumer>,
): ApiError | null {
  const list = [...others];
  const filters = filtersOf(config);
  const exists = list.some((o) => o.name === name);
  if (!exists && list.length > 0 && filters.length === 0) return JSERR.consumerWQMultipleUnfiltered;
  for (const filter of filters) {
    for (const o of list) {
      if (o.name === name) continue;
      const theirs = filtersOf(o.config);
      const overlaps = theirs.length === 0 || theirs.some((t) => subjectsCollide(filter, t));
      if (overlaps) return JSERR.consumerWQConsumerNotUnique;
    }
  }
  return null;
}

/** The subjects a consumer delivers from; none for all of the stream. */
export function filtersOf(c: ConsumerConfig): readonly string[] {
  if (c.filter_subject !== undefined && c.filter_subject !== "") return [c.filter_subject];
  return c.filter_subjects ?? [];
}
