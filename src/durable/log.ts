// The broker's log: JSON lines on the console (src/protocol/log.ts has their shape),
// which workerd prints locally (`npm start`) and `wrangler tail` and Workers Logs
// collect in production. Errors go to console.error and warnings to console.warn,
// so Workers Logs shows their level too.
//
// Per-message code pays nothing below trace: it tests `tracing` (a boolean) before
// it builds a line, and debug and trace calls return at once when not enabled.

import { errorFields, formatLine, type LogFields, type LogLevel, type Severity } from "../protocol/log.js";

export type { LogFields, LogLevel } from "../protocol/log.js";

export type LogSink = (level: Severity, line: string) => void;

const consoleSink: LogSink = (level, line) => {
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
};

export class Log {
  /** Debug lines are written (LOG_LEVEL debug or trace). */
  readonly debugging: boolean;
  /** Trace lines are written: every op in and out (LOG_LEVEL trace). */
  readonly tracing: boolean;

  constructor(
    readonly level: LogLevel,
    /** Fields every line carries (the shard, say). */
    private readonly base: LogFields = {},
    private readonly sink: LogSink = consoleSink,
  ) {
    this.tracing = level === "trace";
    this.debugging = this.tracing || level === "debug";
  }

  /** The same log, its lines carrying `fields` too. */
  with(fields: LogFields): Log {
    return new Log(this.level, { ...this.base, ...fields }, this.sink);
  }

  /** Something failed that should not have: the broker's own fault. */
  error(msg: string, fields?: LogFields): void {
    this.sink("error", formatLine(Date.now(), "error", msg, this.base, fields));
  }

  /** An exception caught where it must not spread: its message and stack, with `fields`. */
  exception(msg: string, e: unknown, fields?: LogFields): void {
    this.sink("error", formatLine(Date.now(), "error", msg, this.base, fields, errorFields(e)));
  }

  /** The broker works on, with less than it should (a shard unreachable after retries). */
  warn(msg: string, fields?: LogFields): void {
    this.sink("warn", formatLine(Date.now(), "warn", msg, this.base, fields));
  }

  /** What an operator needs to know: refusals and their reasons, connections cut off. */
  info(msg: string, fields?: LogFields): void {
    this.sink("info", formatLine(Date.now(), "info", msg, this.base, fields));
  }

  debug(msg: string, fields?: LogFields): void {
    if (this.debugging) this.sink("debug", formatLine(Date.now(), "debug", msg, this.base, fields));
  }

  trace(msg: string, fields?: LogFields): void {
    if (this.tracing) this.sink("trace", formatLine(Date.now(), "trace", msg, this.base, fields));
  }
}
