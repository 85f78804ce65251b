// vitest globalSetup for the "browser" project. These tests drive the system's Chromium
// (Debian's `chromium` package) and never download one, so a machine without it fails here,
// before a broker starts, with the fix in the message: a skipped browser suite would pass
// silently while testing nothing.
import * as fs from "node:fs";

/** The browser the tests drive; CHROMIUM overrides it (e.g. another distribution's path). */
export const CHROMIUM: string = process.env.CHROMIUM ?? "/usr/bin/chromium";

export default function setup(): void {
  try {
    fs.accessSync(CHROMIUM, fs.constants.X_OK);
  } catch {
    throw new Error(
      `The browser tests need Chromium at ${CHROMIUM}, and it is not there (or not executable).\n` +
        `Install it: apt-get update && apt-get install -y chromium (Debian; .ci/run does this),\n` +
        `or point CHROMIUM at a Chromium or Chrome binary.`,
    );
  }
}
