// Public nkeys, and the nonce a client signs with one to prove it holds the
// key (nkey users, and JWT users that are not bearer tokens): server/auth.go
// and server/server.go generateNonce.

import { fromPublic } from "@nats-io/nkeys";

/** nats-server's nonceRawLen: 11 random bytes, 15 characters of base64. */
const NONCE_RAW_LEN = 11;
/** 1 prefix byte, a 32-byte Ed25519 key and a 2-byte checksum, in base32. */
const PUBLIC_KEY_LENGTH = 56;

const encoder = new TextEncoder();

/** A nonce for INFO, as nats-server makes it (generateNonce). */
export function newNonce(): string {
  const raw = new Uint8Array(NONCE_RAW_LEN);
  crypto.getRandomValues(raw);
  let bin = "";
  for (const b of raw) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/**
 * A public nkey of the given kind ("U" user, "A" account, "O" operator),
 * checksum included, of any length, as fromPublic takes it.
 */
export function isPublicKey(v: unknown, kind: "O" | "A" | "U"): v is string {
  if (typeof v !== "string" || v[0] !== kind) return false;
  try {
    fromPublic(v);
    return true;
  } catch {
    return false;
  }
}

/**
 * A public nkey that holds a whole Ed25519 key, the only kind that can verify
 * a signature: what the configuration insists on, and promises in its errors.
 */
export function isFullPublicKey(v: unknown, kind: "O" | "A" | "U"): v is string {
  return typeof v === "string" && v.length === PUBLIC_KEY_LENGTH && isPublicKey(v, kind);
}

/** Why `sig` is not `publicKey`'s signature of the nonce, or null when it is. */
export function nonceSignatureProblem(publicKey: string, sig: string | undefined, nonce: string | null): string | null {
  if (nonce === null) return "no nonce was issued to sign";
  if (!sig) return "signature missing";
  const bytes = decodeSignature(sig);
  if (bytes === null) return "signature not valid base64";
  try {
    if (fromPublic(publicKey).verify(encoder.encode(nonce), bytes)) return null;
  } catch {
    // a malformed key or a signature of the wrong length
  }
  return "signature not verified";
}

const RAW_URL_ALPHABET = /^[A-Za-z0-9_-]*$/;
const STD_ALPHABET = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * base64 as nats-server reads `sig`: raw URL-safe first (what the clients
 * send), then standard with padding; Go skips CR and LF in both.
 */
function decodeSignature(sig: string): Uint8Array | null {
  const s = sig.replace(/[\r\n]/g, "");
  let b64: string;
  if (RAW_URL_ALPHABET.test(s) && s.length % 4 !== 1) b64 = s.replace(/-/g, "+").replace(/_/g, "/");
  else if (STD_ALPHABET.test(s) && s.length % 4 === 0) b64 = s;
  else return null;
  try {
    const bin = atob(b64);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}
