// Passwords and tokens, plain or bcrypt, compared as nats-server compares
// them (server/auth.go isBcrypt, comparePasswords).

import { compareSync } from "bcryptjs";

/** nats-server's isBcrypt: only these prefixes make a secret a bcrypt hash. */
const BCRYPT = /^\$2[abxy]\$\d{2}\$/;

export function isBcrypt(secret: string): boolean {
  return BCRYPT.test(secret);
}

/** nats-server's comparePasswords: bcrypt when the stored secret is a bcrypt hash, else plain. */
export function comparePasswords(stored: string, given: string): boolean {
  if (!isBcrypt(stored)) return constantTimeEqual(stored, given);
  try {
    // Go's bcrypt computes `$2x$` exactly as `$2a$`; bcryptjs only knows the latter.
    return compareSync(given, stored[2] === "x" ? `$2a${stored.slice(3)}` : stored);
  } catch {
    return false;
  }
}

/** Equality whose time depends only on the stored secret's length. */
function constantTimeEqual(stored: string, given: string): boolean {
  let diff = stored.length ^ given.length;
  for (let i = 0; i < stored.length; i++) {
    diff |= stored.charCodeAt(i) ^ (i < given.length ? given.charCodeAt(i) : 0);
  }
  return diff === 0;
}
