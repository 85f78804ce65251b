// The consumer cases of the "jetstream" configurations of `npm run compat`
// (compat-jetstream.mjs): consumer create (durable, ephemeral, legacy, refused),
// info, names, list, delete; pulls with batch, no_wait and expires and their
// statuses; acks; a push consumer. Requests are written as @nats-io/jetstream
// 3.x writes them.

import { BACKOFF_AS_LONG_AS_MAX_DELIVER, CREATE_DOES_NOT_UPDATE, FILTER_OUTSIDE_STREAM } from "./jetstream-known.mjs";
import { API, connect, consumerRequest, createdConsumer, jsCase, json } from "./jetstream-script.mjs";

export function consumerCases() {
  const create = (s, stream, name, config, subject = `${stream}.${name}`) =>
    s.api(`${API}.CONSUMER.CREATE.${subject}`, consumerRequest(stream, { durable_name: name, ack_policy: "explicit", ...config }));
  return [
    jsCase("consumer create, info, names, list, delete", (s) => {
      s.api(`${API}.STREAM.CREATE.CS`, json({ name: "CS", subjects: ["cs.*"] }));
      s.pub("cs.a", "1");
      s.pub("cs.b", "2");
      s.pub("cs.a", "3");
      create(s, "CS", "dur", {});
      create(s, "CS", "dur", {});
      create(s, "CS", "filt", { filter_subject: "cs.a" }, "CS.filt.cs.a");
      s.api(`${API}.CONSUMER.CREATE.CS`, consumerRequest("CS", { ack_policy: "explicit" }));
      s.api(`${API}.CONSUMER.DURABLE.CREATE.CS.legacy`, json({ stream_name: "CS", config: { durable_name: "legacy", ack_policy: "explicit" } }));
      s.api(`${API}.CONSUMER.INFO.CS.dur`);
      s.api(`${API}.CONSUMER.INFO.CS.filt`);
      s.api((c) => `${API}.CONSUMER.INFO.CS.${createdConsumer(c, 4) ?? "none"}`);
      // Gone before the lists: where a generated name sorts among the others is chance.
      s.api((c) => `${API}.CONSUMER.DELETE.CS.${createdConsumer(c, 4) ?? "none"}`);
      s.api(`${API}.CONSUMER.INFO.CS.nope`);
      s.api(`${API}.CONSUMER.NAMES.CS`, json({ offset: 0 }));
      s.api(`${API}.CONSUMER.LIST.CS`, json({ offset: 0 }));
      s.api(`${API}.CONSUMER.DELETE.CS.legacy`);
      s.api(`${API}.CONSUMER.DELETE.CS.legacy`);
      s.api(`${API}.STREAM.INFO.CS`);
      s.api(`${API}.INFO`);
      s.api(`${API}.STREAM.DELETE.CS`);
      s.api(`${API}.CONSUMER.INFO.CS.dur`);
    }),
    jsCase("consumer create: invalid requests and configurations", (s) => {
      s.api(`${API}.STREAM.CREATE.CI`, json({ name: "CI", subjects: ["ci.*"] }));
      create(s, "CI", "fm", { filter_subject: "ci.b" }, "CI.fm.ci.a");
      s.api(`${API}.CONSUMER.CREATE.CI.x`, consumerRequest("CI", { durable_name: "y", ack_policy: "explicit" }));
      s.api(`${API}.CONSUMER.CREATE.CI.sm`, consumerRequest("OTHER", { durable_name: "sm", ack_policy: "explicit" }));
      create(s, "CI", "ap", { ack_policy: "sometimes" });
      create(s, "CI", "ss", { deliver_policy: "by_start_sequence" });
      create(s, "CI", "st", { opt_start_seq: 3 });
      create(s, "CI", "bo", { backoff: [1_000_000_000, 2_000_000_000], max_deliver: 1 });
      create(s, "CI", "an", { ack_policy: "none", max_ack_pending: 10 });
      create(s, "CI", "dg", { deliver_group: "g" });
      create(s, "CI", "fc", { flow_control: true });
      create(s, "CI", "hb", { idle_heartbeat: 5_000_000_000 });
      create(s, "CI", "mw", { deliver_subject: "push.mw", max_waiting: 10 });
      create(s, "CI", "r3", { num_replicas: 3 });
      s.api(`${API}.CONSUMER.CREATE.NOPE.x`, consumerRequest("NOPE", { durable_name: "x", ack_policy: "explicit" }));
      s.api(`${API}.CONSUMER.CREATE.CI.bj`, '{"config":');
      s.api(`${API}.CONSUMER.CREATE.CI.ty`, '{"stream_name":"CI","config":{"durable_name":"ty","max_deliver":"5"}}');
      s.api(`${API}.CONSUMER.NAMES.CI`, json({ offset: 0 }));
      s.api(`${API}.STREAM.DELETE.CI`);
    }),
    jsCase("consumer create: empty request", (s) => {
      s.api(`${API}.STREAM.CREATE.CE`, json({ name: "CE", subjects: ["ce.*"] }));
      s.api(`${API}.CONSUMER.CREATE.CE.eb`);
      s.api(`${API}.STREAM.DELETE.CE`);
    }),
    jsCase("consumer create: negative ack_wait", (s) => {
      s.api(`${API}.STREAM.CREATE.CW`, json({ name: "CW", subjects: ["cw.*"] }));
      create(s, "CW", "aw", { ack_wait: -1 });
      s.api(`${API}.STREAM.DELETE.CW`);
    }),
    jsCase(
      "consumer create: a filter outside the stream's subjects",
      (s) => {
        s.api(`${API}.STREAM.CREATE.CF`, json({ name: "CF", subjects: ["cf.*"] }));
        create(s, "CF", "fo", { filter_subject: "other" }, "CF.fo.other");
        create(s, "CF", "fo2", { filter_subject: "other" });
        s.api(`${API}.CONSUMER.DELETE.CF.fo`);
        s.api(`${API}.CONSUMER.DELETE.CF.fo2`);
        s.api(`${API}.STREAM.DELETE.CF`);
      },
      { known: [FILTER_OUTSIDE_STREAM] },
    ),
    jsCase(
      "consumer create: as many backoff durations as max_deliver",
      (s) => {
        s.api(`${API}.STREAM.CREATE.CB`, json({ name: "CB", subjects: ["cb.*"] }));
        create(s, "CB", "bo", { backoff: [1_000_000_000, 2_000_000_000], max_deliver: 2 });
        s.api(`${API}.CONSUMER.DELETE.CB.bo`);
        s.api(`${API}.STREAM.DELETE.CB`);
      },
      { known: [BACKOFF_AS_LONG_AS_MAX_DELIVER] },
    ),
    jsCase(
      "consumer create (action create) naming an existing consumer with another config",
      (s) => {
        s.api(`${API}.STREAM.CREATE.CU`, json({ name: "CU", subjects: ["cu.*"] }));
        create(s, "CU", "dur", {});
        create(s, "CU", "dur", { description: "changed" });
        s.api(`${API}.STREAM.DELETE.CU`);
      },
      { known: [CREATE_DOES_NOT_UPDATE] },
    ),
    jsCase("pull: batch and no_wait, acks, 404 and 408", (s) => {
      s.api(`${API}.STREAM.CREATE.PL`, json({ name: "PL", subjects: ["pl.*"] }));
      s.pub("pl.a", "1");
      s.pub("pl.b", "22");
      s.pub("pl.a", "333", { headers: { "X-Test": "h" } });
      create(s, "PL", "w", {});
      s.api(`${API}.CONSUMER.MSG.NEXT.PL.w`, json({ batch: 2, no_wait: true }));
      s.ack(1);
      s.ack(2, "+ACK", { reply: true });
      s.api(`${API}.CONSUMER.MSG.NEXT.PL.w`, json({ batch: 1, no_wait: true }));
      s.api(`${API}.CONSUMER.MSG.NEXT.PL.w`, json({ batch: 1, no_wait: true }));
      s.ack(3, "-NAK");
      s.api(`${API}.CONSUMER.MSG.NEXT.PL.w`, json({ batch: 1, no_wait: true }));
      s.api(`${API}.CONSUMER.INFO.PL.w`);
      s.ack(4, "+TERM");
      s.api(`${API}.CONSUMER.MSG.NEXT.PL.w`, json({ batch: 1, expires: 300_000_000 }));
      s.wait(700);
      s.api(`${API}.CONSUMER.INFO.PL.w`);
      s.api(`${API}.CONSUMER.MSG.NEXT.PL.nope`, json({ batch: 1, no_wait: true }));
      s.api(`${API}.STREAM.DELETE.PL`);
    }),
    jsCase("pull: no_wait with fewer messages than the batch", (s) => {
      s.api(`${API}.STREAM.CREATE.PN`, json({ name: "PN", subjects: ["pn.*"] }));
      s.pub("pn.a", "1");
      create(s, "PN", "w", {});
      s.api(`${API}.CONSUMER.MSG.NEXT.PN.w`, json({ batch: 5, no_wait: true }));
      s.api(`${API}.STREAM.DELETE.PN`);
    }),
    // The pulls come from B: their statuses (a deleted consumer's 409 among them) leave
    // nats-server by another path than API answers, and are ordered only among themselves.
    jsCase(
      "pull: a waiting request gets later messages, and 409s",
      (s) => {
        const next = (body) => s.api(`${API}.CONSUMER.MSG.NEXT.PW.w`, body, "B");
        s.api(`${API}.STREAM.CREATE.PW`, json({ name: "PW", subjects: ["pw.*"] }));
        create(s, "PW", "w", { max_batch: 2 });
        next(json({ batch: 2, expires: 5_000_000_000 }));
        s.pub("pw.a", "1");
        s.pub("pw.a", "2");
        s.pub("pw.a", "3");
        next(json({ batch: 5, no_wait: true }));
        next(json({ batch: -1 }));
        next("1");
        s.api(`${API}.CONSUMER.INFO.PW.w`);
        next(json({ batch: 1, expires: 5_000_000_000 }));
        s.api(`${API}.CONSUMER.INFO.PW.w`);
        s.api(`${API}.CONSUMER.DELETE.PW.w`);
        create(s, "PW", "p", { deliver_subject: "push.pw" });
        s.api(`${API}.CONSUMER.MSG.NEXT.PW.p`, json({ batch: 1, no_wait: true }), "B");
        s.api(`${API}.STREAM.DELETE.PW`);
      },
      { conns: { A: connect(), B: connect() } },
    ),
    jsCase(
      "push consumer: deliveries to a deliver subject",
      (s) => {
        s.api(`${API}.STREAM.CREATE.PS`, json({ name: "PS", subjects: ["ps.*"] }));
        s.pub("ps.a", "1");
        s.pub("ps.b", "2", { headers: { "X-Test": "h" } });
        s.send("SUB push.dlv 5\r\n", "B");
        create(s, "PS", "pd", { deliver_subject: "push.dlv", ack_policy: "none" });
        s.pub("ps.a", "3");
        s.wait(200);
        s.api(`${API}.CONSUMER.INFO.PS.pd`);
        s.api(`${API}.STREAM.DELETE.PS`);
      },
      { conns: { A: connect(), B: connect() } },
    ),
  ];
}
