// Account names. Inside nats-edge an account's name is the first token of
// every subject the cluster handles (`<account>.<subject>`), so a name must
// be usable as a subject token.

/** nats-server's global account: clients of a broker without accounts belong to it. */
export const GLOBAL_ACCOUNT = "$G";

/**
 * Why `name` cannot be a configured account, or null when it can. Names that
 * are not subject tokens also break nats-server's own
 * $SYS.REQ.ACCOUNT.<name>.* imports.
 */
export function accountNameProblem(name: string): string | null {
  if (name === "" || /[.*>\s]/.test(name)) {
    return 'account names cannot be empty or contain ".", "*", ">" or whitespace';
  }
  if (name === GLOBAL_ACCOUNT) return `"${GLOBAL_ACCOUNT}" is a reserved account`;
  if (name === "$SYS") return "is nats-server's system account, which nats-edge does not have";
  return null;
}
