// The JetStream configurations and cases of `npm run compat`: $JS.API requests,
// publishes into streams, pulls and acks, in raw frames, with the JSON bodies
// the official clients send (@nats-io/jetstream 3.x; nats.go where noted), run
// against `nats-server` with JetStream on and against nats-edge.
//
// Answers are compared byte for byte once jetstream-normalize.mjs has put
// placeholders where values legitimately vary (times, the ack subject's
// timestamp, the server name, generated consumer names). nats-edge answers as
// nats-server 2.10, the version it reports, where the reference here is 2.9.10:
// jetstream-known.mjs has the rules for that, and for what differs on purpose.
//
// A configuration's cases run in order on one server pair and share its
// state, so each case creates the streams it uses under names of its own and
// deletes them at the end; a behaviour known to differ gets a case of its own,
// so that it does not spill into the answers that follow. The consumer cases
// are in compat-jetstream-consumers.mjs.

import { consumerCases } from "./compat-jetstream-consumers.mjs";
import { JETSTREAM_FOR_EVERY_ACCOUNT, JETSTREAM_ON_BY_DEFAULT, PURGED_BYTES_LEFT_COUNTED } from "./jetstream-known.mjs";
import { API, connect, consumerRequest, jsCase, json, natsGoStream } from "./jetstream-script.mjs";

function streamCases() {
  return [
    jsCase("account info, nothing stored", (s) => {
      s.api(`${API}.INFO`);
    }),
    jsCase("stream create with defaults, the same again, then another config", (s) => {
      const cfg = json({ name: "ORDERS", subjects: ["orders.>"] });
      s.api(`${API}.STREAM.CREATE.ORDERS`, cfg);
      s.api(`${API}.STREAM.CREATE.ORDERS`, cfg);
      s.api(`${API}.STREAM.CREATE.ORDERS`, json({ name: "ORDERS", subjects: ["orders.>"], max_msgs: 10 }));
      s.api(`${API}.INFO`);
      s.api(`${API}.STREAM.DELETE.ORDERS`);
      s.api(`${API}.STREAM.DELETE.ORDERS`);
      s.api(`${API}.STREAM.INFO.ORDERS`);
    }),
    jsCase("stream create as nats.go sends it (every field, zero values)", (s) => {
      s.api(`${API}.STREAM.CREATE.GOSTYLE`, natsGoStream("GOSTYLE", ["go.>"]));
      s.api(`${API}.STREAM.INFO.GOSTYLE`);
      s.api(`${API}.STREAM.DELETE.GOSTYLE`);
    }),
    jsCase("stream create: subjects overlap", (s) => {
      s.api(`${API}.STREAM.CREATE.OV1`, json({ name: "OV1", subjects: ["ov.>"] }));
      s.api(`${API}.STREAM.CREATE.OV2`, json({ name: "OV2", subjects: ["ov.x"] }));
      s.api(`${API}.STREAM.CREATE.OV3`, json({ name: "OV3", subjects: ["other.*", "other.a"] }));
      s.api(`${API}.STREAM.CREATE.OV4`, json({ name: "OV4", subjects: ["dup.a", "dup.a"] }));
      for (const name of ["OV1", "OV2", "OV3", "OV4"]) s.api(`${API}.STREAM.DELETE.${name}`);
    }),
    jsCase("stream create: invalid requests", (s) => {
      s.api(`${API}.STREAM.CREATE.NAMEA`, json({ name: "NAMEB", subjects: ["nm.>"] }));
      s.api(`${API}.STREAM.CREATE.BADJSON`, '{"name":"BADJSON",');
      s.api(`${API}.STREAM.CREATE.EMPTY`);
      s.api(`${API}.STREAM.CREATE.NONAME`, json({ subjects: ["nn.>"] }));
      s.api(`${API}.STREAM.CREATE.BADTYPE`, '{"name":"BADTYPE","max_msgs":"10"}');
      s.api(`${API}.STREAM.CREATE.A*`, json({ name: "A*" }));
      s.api(`${API}.STREAM.NOSUCH`, json({ name: "X" }));
      for (const name of ["NAMEA", "NAMEB", "NONAME", "BADTYPE"]) s.api(`${API}.STREAM.DELETE.${name}`);
    }),
    jsCase("stream create: invalid configurations", (s) => {
      const bad = {
        BADRET: { retention: "forever" },
        BADDISCARD: { discard: "sometimes" },
        NEGAGE: { max_age: -1 },
        R3: { num_replicas: 3 },
        BADSUBJ: { subjects: ["a.>.b"] },
        APISUBJ: { subjects: ["$JS.API.>"] },
        DUPWIN: { max_age: 1_000_000_000, duplicate_window: 2_000_000_000 },
        DNPS: { discard_new_per_subject: true },
        DNPS2: { discard: "new", discard_new_per_subject: true },
        BIGMSG: { max_msg_size: 2_000_000 },
        NEGSIZE: { max_msg_size: -2 },
        SEALED: { sealed: true },
        TEMPLATE: { template_owner: "T" },
      };
      for (const [name, cfg] of Object.entries(bad)) s.api(`${API}.STREAM.CREATE.${name}`, json({ name, ...cfg }));
      s.api(`${API}.STREAM.NAMES`, json({ offset: 0 }));
      for (const name of Object.keys(bad)) s.api(`${API}.STREAM.DELETE.${name}`);
    }),
    jsCase("stream names, list (with a subject filter) and info", (s) => {
      s.api(`${API}.STREAM.CREATE.LB`, json({ name: "LB", subjects: ["lb.*"], description: "second <by name>" }));
      s.api(`${API}.STREAM.CREATE.LA`, json({ name: "LA", subjects: ["la.*", "la2.>"], storage: "memory" }));
      s.pub("la.a", "1");
      s.pub("la.b", "22");
      s.pub("la.a", "333");
      s.pub("lb.x", "4444");
      s.api(`${API}.STREAM.NAMES`, json({ offset: 0 }));
      s.api(`${API}.STREAM.NAMES`, json({ offset: 0, subject: "la.x" }));
      s.api(`${API}.STREAM.NAMES`, json({ offset: 0, subject: "la2.>" }));
      s.api(`${API}.STREAM.NAMES`, json({ offset: 0, subject: "none" }));
      s.api(`${API}.STREAM.LIST`, json({ offset: 0 }));
      s.api(`${API}.STREAM.LIST`, json({ offset: 0, subject: "lb.*" }));
      s.api(`${API}.STREAM.NAMES`, json({ offset: 1 }));
      s.api(`${API}.STREAM.INFO.LA`);
      s.api(`${API}.STREAM.INFO.LA`, json({ subjects_filter: ">" }));
      s.api(`${API}.STREAM.INFO.LA`, json({ subjects_filter: "la.a" }));
      s.api(`${API}.STREAM.INFO.LA`, json({ deleted_details: true }));
      s.api(`${API}.INFO`);
      s.api(`${API}.STREAM.DELETE.LA`);
      s.api(`${API}.STREAM.DELETE.LB`);
    }),
    jsCase("stream update", (s) => {
      s.api(`${API}.STREAM.CREATE.UP`, json({ name: "UP", subjects: ["up.*"] }));
      s.api(`${API}.STREAM.UPDATE.UP`, json({ name: "UP", subjects: ["up.*", "up2.*"], max_msgs: 5, description: "more" }));
      s.api(`${API}.STREAM.UPDATE.UP`, json({ name: "UP", subjects: ["up.*"], storage: "memory" }));
      s.api(`${API}.STREAM.UPDATE.NOPE`, json({ name: "NOPE", subjects: ["nope.*"] }));
      s.api(`${API}.STREAM.DELETE.UP`);
    }),
    jsCase("msg get and msg delete", (s) => {
      s.api(`${API}.STREAM.CREATE.MG`, json({ name: "MG", subjects: ["mg.*"] }));
      s.pub("mg.a", "one");
      s.pub("mg.b", "two", { headers: { "X-Test": "1" } });
      s.pub("mg.a", "three");
      s.api(`${API}.STREAM.MSG.GET.MG`, json({ seq: 2 }));
      s.api(`${API}.STREAM.MSG.GET.MG`, json({ last_by_subj: "mg.a" }));
      s.api(`${API}.STREAM.MSG.GET.MG`, json({ seq: 2, next_by_subj: "mg.a" }));
      s.api(`${API}.STREAM.MSG.GET.MG`, json({ seq: 9 }));
      s.api(`${API}.STREAM.MSG.GET.MG`, json({ last_by_subj: "mg.zz" }));
      s.api(`${API}.STREAM.MSG.GET.MG`, json({ seq: 1, last_by_subj: "mg.a" }));
      s.api(`${API}.STREAM.MSG.GET.MG`);
      s.api(`${API}.STREAM.MSG.DELETE.MG`, json({ seq: 2 }));
      s.api(`${API}.STREAM.MSG.DELETE.MG`, json({ seq: 2 }));
      s.api(`${API}.STREAM.MSG.DELETE.MG`, json({ seq: 1, no_erase: true }));
      s.api(`${API}.STREAM.MSG.GET.MG`, json({ seq: 1 }));
      s.api(`${API}.STREAM.INFO.MG`);
      s.api(`${API}.STREAM.MSG.GET.NOPE`, json({ seq: 1 }));
      s.api(`${API}.STREAM.DELETE.MG`);
    }),
  ];
}

function publishCases() {
  return [
    jsCase("publish: PubAck, Nats-Msg-Id duplicates, Nats-Expected-* refusals", (s) => {
      s.api(`${API}.STREAM.CREATE.PB`, json({ name: "PB", subjects: ["pb.*"] }));
      const tries = [
        ["pb.a", "plain"],
        ["pb.a", "with id", { "Nats-Msg-Id": "m1" }],
        ["pb.a", "same id", { "Nats-Msg-Id": "m1" }],
        ["pb.a", "x", { "Nats-Expected-Stream": "OTHER" }],
        ["pb.a", "x", { "Nats-Expected-Stream": "PB" }],
        ["pb.a", "x", { "Nats-Expected-Last-Sequence": "1" }],
        ["pb.a", "x", { "Nats-Expected-Last-Sequence": "3" }],
        ["pb.b", "x", { "Nats-Expected-Last-Subject-Sequence": "1" }],
        ["pb.b", "x", { "Nats-Expected-Last-Subject-Sequence": "0" }],
        ["pb.a", "x", { "Nats-Msg-Id": "m2" }],
        ["pb.a", "x", { "Nats-Expected-Last-Msg-Id": "nope" }],
        ["pb.a", "x", { "Nats-Expected-Last-Msg-Id": "m2" }],
        // The last message had no id: nats-server compares with the empty one.
        ["pb.a", "x", { "Nats-Expected-Last-Msg-Id": "m2" }],
        ["pb.a", "x", { "Nats-Expected-Last-Sequence": "abc" }],
      ];
      for (const [subject, payload, headers] of tries) s.pub(subject, payload, { headers, reply: true });
      s.pub("pb.c", "no reply");
      s.pub("nostream.x", "x", { reply: true });
      s.api(`${API}.STREAM.INFO.PB`);
      s.api(`${API}.STREAM.DELETE.PB`);
    }),
    jsCase("publish: discard new (max_msgs, max_bytes, per subject), max_msg_size", (s) => {
      s.api(`${API}.STREAM.CREATE.DN`, json({ name: "DN", subjects: ["dn.*"], max_msgs: 2, discard: "new", max_msg_size: 8 }));
      s.pub("dn.a", "1", { reply: true });
      s.pub("dn.a", "2", { reply: true });
      s.pub("dn.a", "3", { reply: true });
      s.pub("dn.b", "123456789", { reply: true });
      s.api(`${API}.STREAM.CREATE.DB`, json({ name: "DB", subjects: ["db.*"], max_bytes: 100, discard: "new" }));
      s.pub("db.a", "x".repeat(40), { reply: true });
      s.pub("db.a", "y".repeat(40), { reply: true });
      s.api(
        `${API}.STREAM.CREATE.DP`,
        json({ name: "DP", subjects: ["dp.*"], max_msgs_per_subject: 1, discard: "new", discard_new_per_subject: true }),
      );
      s.pub("dp.a", "1", { reply: true });
      s.pub("dp.a", "2", { reply: true });
      s.pub("dp.b", "3", { reply: true });
      s.api(`${API}.STREAM.CREATE.DO`, json({ name: "DO", subjects: ["do.*"], max_msgs: 2 }));
      for (const p of ["1", "2", "3"]) s.pub("do.a", p, { reply: true });
      s.api(`${API}.STREAM.INFO.DO`);
      for (const name of ["DN", "DB", "DP", "DO"]) s.api(`${API}.STREAM.DELETE.${name}`);
    }),
    jsCase("direct get on an allow_direct stream", (s) => {
      s.api(`${API}.STREAM.CREATE.DG`, json({ name: "DG", subjects: ["dg.>"], allow_direct: true }));
      s.pub("dg.a", "one");
      s.pub("dg.b", "two", { headers: { "X-Test": "1" } });
      s.pub("dg.a", "three");
      s.api(`${API}.DIRECT.GET.DG`, json({ seq: 2 }));
      s.api(`${API}.DIRECT.GET.DG`, json({ last_by_subj: "dg.a" }));
      s.api(`${API}.DIRECT.GET.DG`, json({ seq: 2, next_by_subj: "dg.a" }));
      s.api(`${API}.DIRECT.GET.DG.dg.a`);
      s.api(`${API}.DIRECT.GET.DG`, json({ seq: 9 }));
      s.api(`${API}.DIRECT.GET.DG.dg.none`);
      s.api(`${API}.DIRECT.GET.DG`, json({ seq: 1, last_by_subj: "dg.a" }));
      s.api(`${API}.DIRECT.GET.DG`, "{bad");
      s.api(`${API}.STREAM.CREATE.ND`, json({ name: "ND", subjects: ["nd.*"] }));
      s.pub("nd.a", "x");
      s.api(`${API}.DIRECT.GET.ND`, json({ seq: 1 }));
      s.api(`${API}.STREAM.DELETE.DG`);
      s.api(`${API}.STREAM.DELETE.ND`);
    }),
  ];
}

/**
 * Last in its configuration: after a purge with a filter, nats-server 2.9.10
 * counts the purged bytes in the account's storage for as long as it runs.
 */
function purgeCases() {
  return [
    jsCase(
      "purge: filter, keep, seq, all",
      (s) => {
        s.api(`${API}.STREAM.CREATE.PG`, json({ name: "PG", subjects: ["pg.*"] }));
        for (const [subject, payload] of [["pg.a", "1"], ["pg.a", "2"], ["pg.b", "3"], ["pg.a", "4"], ["pg.b", "5"], ["pg.c", "6"], ["pg.b", "7"]]) {
          s.pub(subject, payload);
        }
        s.api(`${API}.STREAM.PURGE.PG`, json({ filter: "pg.a" }));
        s.api(`${API}.STREAM.PURGE.PG`, json({ filter: "pg.b", keep: 1 }));
        s.api(`${API}.STREAM.INFO.PG`, json({ subjects_filter: ">" }));
        s.api(`${API}.STREAM.PURGE.PG`, json({ seq: 7 }));
        s.api(`${API}.STREAM.PURGE.PG`, json({ keep: 1, seq: 2 }));
        s.api(`${API}.STREAM.PURGE.PG`);
        s.api(`${API}.STREAM.INFO.PG`);
        s.api(`${API}.STREAM.PURGE.NOPE`);
        s.api(`${API}.STREAM.DELETE.PG`);
        s.api(`${API}.INFO`);
      },
      { known: [PURGED_BYTES_LEFT_COUNTED] },
    ),
  ];
}

function accountCases() {
  const as = (user) => ({ conns: { A: connect({ user, pass: "p" }) } });
  return [
    jsCase("account with jetstream enabled: account info", (s) => s.api(`${API}.INFO`), as("js")),
    jsCase(
      "account with limits: account info, max_streams, max_consumers",
      (s) => {
        s.api(`${API}.INFO`);
        s.api(`${API}.STREAM.CREATE.L1`, json({ name: "L1", subjects: ["l1.*"] }));
        s.api(`${API}.STREAM.CREATE.L2`, json({ name: "L2", subjects: ["l2.*"] }));
        s.api(`${API}.CONSUMER.CREATE.L1.c1`, consumerRequest("L1", { durable_name: "c1", ack_policy: "explicit" }));
        s.api(`${API}.CONSUMER.CREATE.L1.c2`, consumerRequest("L1", { durable_name: "c2", ack_policy: "explicit" }));
        s.api(`${API}.INFO`);
        s.api(`${API}.STREAM.DELETE.L1`);
      },
      as("lim"),
    ),
    jsCase(
      "account with limits: a stream's max_bytes beyond the account's max_file and max_mem",
      (s) => {
        s.api(`${API}.STREAM.CREATE.L3`, json({ name: "L3", subjects: ["l3.*"], max_bytes: 2097152 }));
        s.api(`${API}.STREAM.DELETE.L3`);
        s.api(`${API}.STREAM.CREATE.L4`, json({ name: "L4", subjects: ["l4.*"], storage: "memory", max_bytes: 2097152 }));
        s.api(`${API}.STREAM.DELETE.L4`);
        s.api(`${API}.STREAM.CREATE.L5`, json({ name: "L5", subjects: ["l5.*"] }));
        s.api(`${API}.STREAM.UPDATE.L5`, json({ name: "L5", subjects: ["l5.*"], max_bytes: 2097152 }));
        s.api(`${API}.STREAM.DELETE.L5`);
      },
      as("lim"),
    ),
    jsCase(
      "account without a jetstream setting: account info, stream create",
      (s) => {
        s.api(`${API}.INFO`);
        s.api(`${API}.STREAM.CREATE.N1`, json({ name: "N1", subjects: ["n1.*"] }));
        s.api(`${API}.STREAM.DELETE.N1`);
      },
      { ...as("none"), known: [JETSTREAM_FOR_EVERY_ACCOUNT] },
    ),
    jsCase(
      "account with jetstream disabled: account info, stream create",
      (s) => {
        s.api(`${API}.INFO`);
        s.api(`${API}.STREAM.CREATE.F1`, json({ name: "F1", subjects: ["f1.*"] }));
      },
      as("off"),
    ),
  ];
}

export function jetstreamConfigurations() {
  const cases = () => [...streamCases(), ...publishCases(), ...consumerCases(), ...purgeCases()];
  const user = (name) => ({ user: name, password: "p" });
  return [
    {
      name: "jetstream",
      title: "jetstream { max_memory_store: 64 MiB, max_file_store: 256 MiB } (store_dir filled in for nats-server)",
      config: { jetstream: { max_memory_store: 67108864, max_file_store: 268435456 } },
      cases: cases(),
    },
    {
      name: "jetstream-shards",
      title: "the same, nats-edge with SHARDS 2 (streams homed on either shard, the catalog on one)",
      config: { jetstream: { max_memory_store: 67108864, max_file_store: 268435456 } },
      edgeVars: { SHARDS: "2" },
      cases: cases(),
    },
    {
      name: "jetstream-default",
      title: "no jetstream setting",
      config: {},
      cases: [jsCase("account info", (s) => s.api(`${API}.INFO`), { known: [JETSTREAM_ON_BY_DEFAULT] })],
    },
    {
      name: "jetstream-disabled",
      title: 'jetstream: "disabled"',
      config: { jetstream: "disabled" },
      cases: [
        jsCase("account info, stream create, a publish", (s) => {
          s.api(`${API}.INFO`);
          s.api(`${API}.STREAM.CREATE.X`, json({ name: "X", subjects: ["x.*"] }));
          s.pub("x.a", "1", { reply: true });
        }),
      ],
    },
    {
      name: "jetstream-accounts",
      title: "accounts with jetstream enabled, with limits, without a setting, disabled",
      config: {
        jetstream: { max_memory_store: 67108864, max_file_store: 268435456 },
        accounts: {
          JS: { jetstream: "enabled", users: [user("js")] },
          LIM: {
            jetstream: { max_mem: 1048576, max_file: 1048576, max_streams: 1, max_consumers: 1 },
            users: [user("lim")],
          },
          NONE: { users: [user("none")] },
          OFF: { jetstream: "disabled", users: [user("off")] },
        },
      },
      cases: accountCases(),
    },
  ];
}
