// Subject validation as nats-server does it (server/sublist.go `isValidSubject`,
// `IsValidPublishSubject`). One char-code pass, no split or regex: this runs on
// every SUB, and the literal check on every PUB of a pedantic client.
//
// Rules: non-empty; '.'-separated tokens, none empty; no whitespace anywhere;
// '*' and '>' are wildcards only as a whole token ("foo*" and "foo.*-" are
// literal); '>' only as the last token.
//
// Queue names get no check of their own: nats-server validates nothing beyond
// the argument splitter (non-empty, no space/tab), so the parser covers them.

const DOT = 0x2e; // .
const STAR = 0x2a; // *
const GT = 0x3e; // >
const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const FF = 0x0c; // nats-server rejects \f too ("\t\n\f\r ")
const CR = 0x0d;

/** A subject a client may subscribe to: wildcards allowed. */
export function isValidSubject(subject: string): boolean {
  return check(subject, false);
}

/**
 * A subject a client may publish to: valid and without wildcard tokens. nats-server
 * checks this only for pedantic clients and answers `-ERR 'Invalid Publish Subject'`
 * (the message is still routed).
 */
export function isValidLiteralSubject(subject: string): boolean {
  return check(subject, true);
}

function check(subject: string, literal: boolean): boolean {
  const len = subject.length;
  if (len === 0) return false;
  let start = 0;
  let sawFwc = false;
  // i === len acts as a virtual trailing '.', closing the last token.
  for (let i = 0; i <= len; i++) {
    const c = i < len ? subject.charCodeAt(i) : DOT;
    if (c === DOT) {
      // An empty token, or any token after '>', is invalid.
      if (i === start || sawFwc) return false;
      if (i - start === 1) {
        const t = subject.charCodeAt(start);
        if (t === GT) {
          if (literal) return false;
          sawFwc = true;
        } else if (t === STAR && literal) {
          return false;
        }
      }
      start = i + 1;
    } else if (c === SPACE || c === TAB || c === LF || c === CR || c === FF) {
      return false;
    }
  }
  return true;
}

/**
 * Whether a message published to the literal `subject` reaches a subscription
 * to `pattern` (nats-server's matchLiteral). For monitoring queries; the
 * per-message path matches through the sublist instead.
 */
export function matchesLiteral(subject: string, pattern: string): boolean {
  let s = 0;
  let p = 0;
  for (;;) {
    const pe = tokenEnd(pattern, p);
    const se = tokenEnd(subject, s);
    const wildcard = pe - p === 1 ? pattern.charCodeAt(p) : 0;
    // `>` is the last token and the subject has at least one token here.
    if (wildcard === GT) return true;
    if (wildcard !== STAR && subject.substring(s, se) !== pattern.substring(p, pe)) return false;
    const patternDone = pe === pattern.length;
    const subjectDone = se === subject.length;
    if (patternDone || subjectDone) return patternDone && subjectDone;
    p = pe + 1;
    s = se + 1;
  }
}

function tokenEnd(subject: string, from: number): number {
  const i = subject.indexOf(".", from);
  return i < 0 ? subject.length : i;
}
