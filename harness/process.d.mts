// Types for the part of harness/process.mjs its TypeScript callers use (the end-to-end tests).

/** A port that was free on 127.0.0.1 a moment ago, below the range outgoing connections use. */
export declare function freePort(): Promise<number>;
