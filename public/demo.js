// A chat room over the broker with the official NATS clients (@nats-io/nats-core and
// @nats-io/jetstream, bundled by scripts/build-assets.mjs). Messages go to `chat.<room>`;
// presence is request/reply: every page answers on `chat.<room>.presence` with its name, and
// "who's here" gathers the answers. A stream keeps each room's last messages, so a page that
// joins late first shows what was said before it came.
import { jetstream, jetstreamManager, nuid, wsconnect } from "/vendor/nats-core.js";

// How long "who's here" collects replies: there is no way to know how many pages will answer.
const PRESENCE_WAIT_MS = 500;
// The stream that keeps every room's recent messages (not the presence requests: one token more).
const HISTORY = { name: "CHAT", subjects: ["chat.*"], max_msgs_per_subject: 50, max_age: 24 * 3600 * 1e9 };
/** Ids of the messages shown, so one that arrives both from the history and live shows once. */
const shown = new Set();

const $ = (sel) => document.querySelector(sel);

/** @type {import("@nats-io/nats-core").NatsConnection | undefined} */
let nc;
let me = "";
let subject = "";

function brokerUrl() {
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/`;
}

function status(state, text) {
  $("#status").dataset.state = state;
  $("#status").textContent = text;
}

function showError(text) {
  $("#error").textContent = text;
  $("#error").hidden = text === "";
}

function addLine(from, text, system = false, earlier = false) {
  const list = $("#messages");
  const li = document.createElement("li");
  if (system) li.className = "system";
  if (earlier) li.classList.add("earlier");
  li.dataset.from = from;
  const who = document.createElement("span");
  who.className = "from";
  who.textContent = from;
  const body = document.createElement("span");
  body.className = "text";
  body.textContent = text;
  li.append(who, body);
  // Follow the conversation only when the reader is already at the bottom.
  const atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 4;
  list.append(li);
  if (atBottom) list.scrollTop = list.scrollHeight;
}

/**
 * Messages are JSON `{id, from, text}` or `{id, from, joined}`; anything else (e.g. from the nats
 * CLI) is shown raw. `earlier`: from the room's history, said before this page joined.
 */
function onChat(m, earlier = false) {
  let msg;
  try {
    msg = JSON.parse(m.string());
  } catch {
    msg = undefined;
  }
  if (msg && typeof msg.id === "string") {
    if (shown.has(msg.id)) return;
    shown.add(msg.id);
  }
  if (earlier) {
    if (msg && typeof msg.from === "string" && typeof msg.text === "string") addLine(msg.from, msg.text, false, true);
    return;
  }
  if (msg && typeof msg.from === "string" && typeof msg.text === "string") {
    addLine(msg.from, msg.text);
  } else if (msg && typeof msg.from === "string" && msg.joined === true) {
    addLine(msg.from, "joined", true);
    if (msg.from !== me) void refreshPresence();
  } else {
    addLine("(raw)", m.string());
  }
}

async function refreshPresence() {
  if (!nc) return;
  const button = $("#who");
  button.disabled = true;
  const names = new Set();
  try {
    const replies = await nc.requestMany(`${subject}.presence`, "", { strategy: "timer", maxWait: PRESENCE_WAIT_MS });
    for await (const r of replies) names.add(r.string());
  } catch (e) {
    // No responders: nobody (not even this page yet) is listening.
    if (!(e instanceof Error && /no responders/i.test(e.message))) showError(`who's here: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    button.disabled = false;
  }
  const items = [...names].sort().map((name) => {
    const li = document.createElement("li");
    li.dataset.name = name;
    li.textContent = name;
    return li;
  });
  $("#presence").replaceChildren(...items);
}

/**
 * Shows the room's last messages, read from the stream with an ordered consumer. Without
 * JetStream (turned off, or not allowed for this user) the room simply starts empty.
 */
async function showHistory(conn) {
  try {
    const jsm = await jetstreamManager(conn);
    try {
      await jsm.streams.add(HISTORY);
    } catch {
      // It exists already (perhaps configured otherwise): read what it has.
    }
    const info = await jsm.streams.info(HISTORY.name, { subjects_filter: subject });
    const stored = info.state.subjects?.[subject] ?? 0;
    if (stored === 0) return;
    const consumer = await jetstream(conn).consumers.get(HISTORY.name, { filter_subjects: [subject] });
    const messages = await consumer.fetch({ max_messages: stored, expires: 2000 });
    for await (const m of messages) onChat(m, true);
  } catch {
    // No history to show.
  }
}

async function watchStatus(conn) {
  for await (const s of conn.status()) {
    if (s.type === "disconnect") status("error", "disconnected, retrying…");
    else if (s.type === "reconnect") status("ok", `${me} in ${subject}`);
  }
}

$("#join").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const name = $("#name").value.trim();
  const room = $("#room").value.trim();
  if (name === "" || !/^[A-Za-z0-9_-]+$/.test(room)) return;
  $("#join-button").disabled = true;
  showError("");
  status("connecting", "connecting…");
  const creds = {};
  if ($("#user").value) Object.assign(creds, { user: $("#user").value, pass: $("#pass").value });
  if ($("#token").value) creds.token = $("#token").value;
  try {
    nc = await wsconnect({ servers: brokerUrl(), name: `chat demo: ${name}`, ...creds });
  } catch (e) {
    $("#join-button").disabled = false;
    status("error", "not connected");
    showError(`cannot connect to ${brokerUrl()}: ${e instanceof Error ? e.message : String(e)}`);
    return;
  }
  me = name;
  subject = `chat.${room}`;
  // Live messages wait while the history is read, so that none falls between the two.
  const early = [];
  let live = false;
  nc.subscribe(subject, { callback: (err, m) => (err ? showError(err.message) : live ? onChat(m) : early.push(m)) });
  await nc.flush();
  await showHistory(nc);
  live = true;
  for (const m of early) onChat(m);
  nc.subscribe(`${subject}.presence`, { callback: (err, m) => (err ? showError(err.message) : m.respond(me)) });
  void watchStatus(nc);
  nc.closed().then((err) => {
    status("error", "closed");
    if (err) showError(`connection closed: ${err.message}`);
  });

  $("#join").hidden = true;
  $("#room-view").hidden = false;
  $("#subject").textContent = subject;
  $("#presence-subject").textContent = `${subject}.presence`;
  status("ok", `${me} in ${subject}`);
  // The subscriptions above are sent before this publish, so other pages that refresh on it see us.
  nc.publish(subject, JSON.stringify({ id: nuid.next(), from: me, joined: true }));
  await refreshPresence();
  $("#message").focus();
});

$("#compose").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const text = $("#message").value.trim();
  if (!nc || text === "") return;
  nc.publish(subject, JSON.stringify({ id: nuid.next(), from: me, text }));
  $("#message").value = "";
});

$("#who").addEventListener("click", () => void refreshPresence());

// Leave cleanly, so the broker drops the subscriptions now rather than at its ping timeout.
addEventListener("pagehide", () => void nc?.close());
