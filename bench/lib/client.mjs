// The NATS client used against every target: @nats-io/nats-core's `wsconnect` over the `ws`
// package's WebSocket with permessage-deflate NOT offered (unless --compression).
//
// Node's global WebSocket (undici) always appends `Sec-WebSocket-Extensions:
// permessage-deflate; client_max_window_bits` to the handshake (a `headers` option only adds to
// it), and workerd accepts the offer while nats-server (without `compression: true`) declines
// it. Left alone, nats-edge would be measured compressed and nats-server uncompressed. With
// `ws` and `perMessageDeflate: false` neither side compresses.
import { wsconnect } from "@nats-io/nats-core";
import WebSocket from "ws";

/** The last socket a factory made (to read what it negotiated). */
export let lastSocket = null;

/**
 * With `--compression` the client offers permessage-deflate (as browsers and Node's global
 * WebSocket do) and nats-server is configured with `compression: true`, so both sides compress.
 */
let perMessageDeflate = false;
export function offerCompression(on) {
  perMessageDeflate = on ? {} : false;
}

/**
 * wsconnect's `wsFactory`: a `ws` socket that offers no extension (unless --compression). Every socket is added to
 * `sockets` (so a timed-out scenario can terminate what is left); with `frames`, the bytes and
 * frames the client sends are counted there, and with `received`, those it receives.
 */
export function wsFactory(sockets, frames, received) {
  return async (url) => {
    const socket = new WebSocket(url, { perMessageDeflate });
    lastSocket = socket;
    sockets?.add(socket);
    if (received) {
      socket.on("message", (data) => {
        received.count++;
        received.bytes += data.byteLength ?? data.length ?? 0;
      });
    }
    if (frames) {
      const send = socket.send.bind(socket);
      socket.send = (data, ...rest) => {
        frames.count++;
        frames.bytes += data.byteLength ?? data.length ?? 0;
        return send(data, ...rest);
      };
    }
    return { socket, encrypted: url.startsWith("wss:") };
  };
}

/**
 * A NATS connection to `url` that never reconnects (a failure must show, not be papered over).
 * `ctx` (a scenario run) tracks the connection and its socket; `frames` counts sent frames,
 * `received` received ones ({count, bytes}).
 */
export async function connect(url, { ctx, frames, received, ...opts } = {}) {
  const nc = await wsconnect({
    servers: url,
    wsFactory: wsFactory(ctx?.sockets, frames, received),
    reconnect: false,
    timeout: 10_000,
    ...opts,
  });
  ctx?.conns.add(nc);
  return nc;
}

/**
 * What each way of connecting negotiates with `url`: the `ws` socket wsconnect runs on, and for
 * reference Node's global WebSocket. Returns { ws: "<extensions>", global: "<extensions>" }.
 */
export async function negotiatedExtensions(url) {
  const nc = await connect(url);
  const viaWs = lastSocket?.extensions ?? "?";
  await nc.close();
  let viaGlobal = "n/a";
  if (typeof globalThis.WebSocket === "function") {
    viaGlobal = await new Promise((resolve) => {
      const s = new globalThis.WebSocket(url);
      const t = setTimeout(() => (s.close(), resolve("timeout")), 5000);
      s.onopen = () => {
        clearTimeout(t);
        const e = s.extensions;
        s.close();
        resolve(e);
      };
      s.onerror = () => (clearTimeout(t), resolve("error"));
    });
  }
  return { ws: viaWs, global: viaGlobal };
}

/** A raw `ws` socket (no NATS client), open, binary as ArrayBuffer. */
export function rawSocket(url, timeoutMs = 10_000) {
  return new Promise((resolve, reject) => {
    const s = new WebSocket(url, { perMessageDeflate });
    s.binaryType = "arraybuffer";
    const t = setTimeout(() => (s.terminate(), reject(new Error(`raw socket to ${url}: no open after ${timeoutMs} ms`))), timeoutMs);
    s.once("open", () => (clearTimeout(t), resolve(s)));
    s.once("error", (e) => (clearTimeout(t), reject(e)));
  });
}
