// Relations between two subjects that may both hold wildcards, ported from
// nats-server server/sublist.go (SubjectsCollide, subjectIsSubsetMatch). They
// decide stream configuration questions (do two streams claim a subject in
// common? is a subject inside the JetStream API?), never a message's route.
//
// Ported with their quirk: a token is treated as a wildcard when it starts with
// `*` or `>` ("*x" can match anything here), where the sublist would treat it as
// a literal. It only ever makes them answer "collides" more often, which for
// overlap checks is the safe side, and it keeps our answers equal to nats-server's.

const PWC = "*";
const FWC = ">";

/** Whether some literal subject could match both `a` and `b`. */
export function subjectsCollide(a: string, b: string): boolean {
  if (a === b) return true;
  const t1 = a.split(".");
  const t2 = b.split(".");
  const [pwc1, fwc1] = wildcards(t1);
  const [pwc2, fwc2] = wildcards(t2);
  const literal1 = !(pwc1 || fwc1);
  const literal2 = !(pwc2 || fwc2);
  if (literal1 && literal2) return false;
  if (literal1) return isSubsetMatch(t1, t2);
  if (literal2) return isSubsetMatch(t2, t1);
  // Both have wildcards. With only `*`, the lengths must be equal.
  if (!fwc1 && !fwc2 && t1.length !== t2.length) return false;
  // The shorter one must end in `>` to reach the longer one's tokens.
  if ((t1.length < t2.length && !fwc1) || (t2.length < t1.length && !fwc2)) return false;
  const stop = Math.min(t1.length, t2.length);
  for (let i = 0; i < stop; i++) if (!tokensCanMatch(t1[i]!, t2[i]!)) return false;
  return true;
}

/** Whether every subject `subject` matches is also matched by `test` (`foo.*` is a subset of `foo.>`). */
export function subjectIsSubsetMatch(subject: string, test: string): boolean {
  return isSubsetMatch(subject.split("."), test.split("."));
}

function wildcards(tokens: readonly string[]): [boolean, boolean] {
  let pwc = false;
  let fwc = false;
  for (const t of tokens) {
    if (t === PWC) pwc = true;
    else if (t === FWC) fwc = true;
  }
  return [pwc, fwc];
}

function tokensCanMatch(t1: string, t2: string): boolean {
  if (t1 === "" || t2 === "") return false;
  const c1 = t1[0];
  const c2 = t2[0];
  if (c1 === PWC || c2 === PWC || c1 === FWC || c2 === FWC) return true;
  return t1 === t2;
}

// nats-server's isSubsetMatchTokenized.
function isSubsetMatch(tokens: readonly string[], test: readonly string[]): boolean {
  for (let i = 0; i < test.length; i++) {
    if (i >= tokens.length) return false;
    const t2 = test[i]!;
    if (t2 === "") return false;
    if (t2 === FWC) return true;
    const t1 = tokens[i]!;
    if (t1 === "" || t1 === FWC) return false;
    if (t1 === PWC) {
      if (t2 !== PWC) return false;
      continue;
    }
    if (t2[0] !== PWC && t1 !== t2) return false;
  }
  return tokens.length === test.length;
}
