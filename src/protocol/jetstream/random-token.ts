// Random names in nats-server's alphabet ([0-9A-Za-z], its `digits`), for
// consumers created without one and for flow control reply subjects.

const DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** `length` random characters of [0-9A-Za-z]; like nats-server, each from a random byte modulo 62. */
export function randomToken(length: number): string {
  let token = "";
  for (const b of crypto.getRandomValues(new Uint8Array(length))) token += DIGITS[b % 62];
  return token;
}
