// What nats-edge says about itself: the INFO every client is greeted with, and
// the head of /varz, which begins with the same fields. One description, so a
// client and a monitoring tool never see two versions of the server.
// Field names and order are nats-server's (server/server.go Info, server/monitor.go Varz).

import { asciiJson } from "./encoder.js";

/**
 * The version reported. Clients gate features on it: from 2.10.0 the official
 * clients use the JetStream APIs nats-edge answers (consumer create with a name and
 * filter in the subject, direct gets, several filter subjects, the consumers
 * framework) and none it does not (batched direct gets and priority groups are 2.11).
 */
export const SERVER_VERSION = "2.10.0";

/** Which server answers, and the host and port it was reached at. */
export interface ServerAddress {
  readonly id: string;
  readonly name: string;
  readonly host: string;
  readonly port: number;
}

/** What INFO tells one connection about itself and about what the server asks of it. */
export interface ClientInfo {
  readonly clientId: number;
  readonly maxPayload: number;
  readonly authRequired: boolean;
  /** For the client to sign (nkey users, operator mode); null when none is asked for. */
  readonly nonce: string | null;
  /** The client's address as the Worker saw it; "" when unknown. */
  readonly clientIp: string;
}

/** The fields INFO and /varz both begin with, in nats-server's order. */
export function describeServer(server: ServerAddress): Record<string, unknown> {
  return {
    server_id: server.id,
    server_name: server.name,
    version: SERVER_VERSION,
    proto: 1,
    go: "workerd",
    host: server.host,
    port: server.port,
  };
}

/**
 * INFO's JSON for one connection, escaped to ASCII so Outbox.info writes it byte
 * for byte. Never `connect_urls`: clients would add them to their reconnect pool.
 */
export function infoJson(server: ServerAddress, client: ClientInfo): string {
  const info = describeServer(server);
  info.headers = true;
  info.max_payload = client.maxPayload;
  info.client_id = client.clientId;
  if (client.authRequired) info.auth_required = true;
  if (client.nonce !== null) info.nonce = client.nonce;
  if (client.clientIp !== "") info.client_ip = client.clientIp;
  return asciiJson(info);
}

/** What a leafnode's INFO adds: the first before its CONNECT, the second (connect_info) after it. */
export interface LeafInfo {
  readonly clientId: number;
  readonly maxPayload: number;
  readonly authRequired: boolean;
  /** nats-server sends a leafnode a nonce always, for it to sign if it has keys. */
  readonly nonce: string;
  /** The account the connection was bound to; set in the INFO that answers CONNECT. */
  readonly remoteAccount: string | null;
}

/**
 * INFO for a leafnode connection, as nats-server's hub sends it (leafnode.go
 * createLeafNode, processLeafNodeConnect). `leafnode_urls` is always there and
 * always empty: a leaf takes an INFO without it for a client port's, and would add
 * any URL in it to those it dials, where only the one it was given reaches nats-edge.
 */
export function leafInfoJson(server: ServerAddress, leaf: LeafInfo): string {
  const info = describeServer(server);
  info.headers = true;
  if (leaf.authRequired) info.auth_required = true;
  info.max_payload = leaf.maxPayload;
  info.client_id = leaf.clientId;
  if (leaf.remoteAccount === null) info.nonce = leaf.nonce;
  info.info_on_connect = true;
  info.leafnode_urls = [];
  if (leaf.remoteAccount !== null) {
    info.connect_info = true;
    info.remote_account = leaf.remoteAccount;
  }
  return asciiJson(info);
}
