import { defineConfig } from "vitest/config";
import { cloudflareTest } from "@cloudflare/vitest-plugin";

// The projects, one command:
// - unit: the pure protocol layer, in plain Node;
// - workers: the Durable Object itself, inside workerd (hibernation, restore, attachments);
// - e2e: the official NATS client against the broker served as `npm start` serves it,
//   started by test/e2e/global-setup.ts;
// - e2e-sharded: the same against four shards, plus the cluster's own tests;
// - browser: the dashboard and demo pages in Chromium, against the same.
// Two users denied the same subjects: one's permissions fit in a socket attachment, the
// other's (a long list) do not and are kept in SQLite.
const deny = { publish: { deny: ["forbidden.>"] }, subscribe: { deny: ["forbidden.>"] } };
const AUTH_CONFIG = JSON.stringify({
  authorization: {
    users: [
      { user: "small", password: "p", permissions: deny },
      {
        user: "large",
        password: "p",
        permissions: {
          publish: { deny: ["forbidden.>", ...Array.from({ length: 600 }, (_, i) => `filler.subject.${i}`)] },
          subscribe: deny.subscribe,
        },
      },
    ],
  },
});

/**
 * Files that start brokers of their own (limits, authorization, accounts, logs, …): they run
 * once, in "e2e", not again in the projects that run the suite against several shards.
 */
const SINGLE_BROKER_FILES = [
  "test/e2e/limits.test.ts",
  "test/e2e/auth.test.ts",
  "test/e2e/accounts.test.ts",
  "test/e2e/jwt.test.ts",
  "test/e2e/connections.test.ts",
  "test/e2e/monitoring-guard.test.ts",
  "test/e2e/service.test.ts",
  "test/e2e/bridge-auth.test.ts",
  "test/e2e/logs.test.ts",
  "test/e2e/jetstream-durability.test.ts",
  "test/e2e/jetstream-config.test.ts",
  "test/e2e/leafnodes.test.ts",
  "test/e2e/mappings.test.ts",
];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/protocol/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.toml" }, miniflare: { bindings: { ALLOW_ANONYMOUS: "true" } } })],
        test: {
          name: "workers",
          include: ["test/durable/**/*.test.ts"],
        },
      },
      {
        // Two shards inside workerd: hosts and owners evicted from memory mid-traffic.
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: { bindings: { SHARDS: "2", TEST_HOOKS: "1", ALLOW_ANONYMOUS: "true" } },
          }),
        ],
        test: {
          name: "workers-sharded",
          include: ["test/durable-sharded/**/*.test.ts"],
        },
      },
      {
        // Authorization inside workerd: what must survive hibernation.
        plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.toml" }, miniflare: { bindings: { NATS_CONFIG: AUTH_CONFIG } } })],
        test: {
          name: "workers-auth",
          include: ["test/durable-auth/**/*.test.ts"],
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          exclude: ["test/e2e/cluster.test.ts"],
          environment: "node",
          globalSetup: ["test/e2e/global-setup.ts"],
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
      {
        // The same suite against four shards, connections spread over them, plus
        // what only a cluster has. Files that start brokers of their own (limits,
        // authorization, accounts on four shards) run once, in "e2e".
        test: {
          name: "e2e-sharded",
          include: ["test/e2e/**/*.test.ts"],
          exclude: SINGLE_BROKER_FILES,
          environment: "node",
          globalSetup: ["test/e2e/global-setup-sharded.ts"],
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
      {
        // The same suite again with REGIONS: three regions of two shards, a delay between
        // regions as between continents, and connections spread over every region.
        test: {
          name: "e2e-regions",
          include: ["test/e2e/**/*.test.ts"],
          exclude: SINGLE_BROKER_FILES,
          environment: "node",
          globalSetup: ["test/e2e/global-setup-regions.ts"],
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
      {
        // The dashboard and the chat demo in Debian's Chromium (playwright-core), against the
        // single-shard broker. Files run one after another: the dashboard test reads broker-wide
        // counters that another file's pages would move.
        test: {
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          environment: "node",
          globalSetup: ["test/browser/require-chromium.ts", "test/e2e/global-setup.ts"],
          fileParallelism: false,
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
