// The dashboard in a real browser against the real /varz: its numbers move when messages flow.
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { nuid } from "@nats-io/nats-core";
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { startBroker } from "../e2e/broker";
import { Clients, delay, listen, uniq } from "../e2e/util";
import { httpBase, launchChromium, screenshot, watchErrors } from "./chromium";

let browser: Browser;
const clients = new Clients();

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  await clients.closeAll();
});

/** The raw value behind a displayed number (`data-value`), or NaN before the first reading. */
async function value(page: Page, selector: string): Promise<number> {
  return Number(await page.locator(selector).getAttribute("data-value"));
}

/** Resolves once every `selector -> minimum` holds on the page (polled as the page updates). */
async function waitForAtLeast(page: Page, minimums: Record<string, number>, timeout = 15_000): Promise<void> {
  try {
    await page.waitForFunction(
      (mins) =>
        Object.entries(mins).every(([sel, min]) => Number(document.querySelector(sel)?.getAttribute("data-value")) >= min),
      minimums,
      { timeout, polling: 50 },
    );
  } catch (e) {
    const shown: Record<string, number> = {};
    for (const sel of Object.keys(minimums)) shown[sel] = await value(page, sel);
    throw new Error(`dashboard never showed ${JSON.stringify(minimums)}; it shows ${JSON.stringify(shown)}`, { cause: e });
  }
}

/** Waits for the page's first answer from /varz; anything but a reading fails with what the page shows. */
async function firstReading(page: Page): Promise<void> {
  const status = page.locator('#status:not([data-state="connecting"])');
  await status.waitFor({ timeout: 10_000 });
  if ((await status.getAttribute("data-state")) !== "ok") {
    throw new Error(`the dashboard shows "${await status.textContent()}": ${await page.locator("#error").textContent()}`);
  }
}

describe("dashboard", () => {
  it("shows connections, messages, bytes and rates rising while a client publishes", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = watchErrors(page);
    await page.goto(`${httpBase()}/dashboard`);
    await firstReading(page);
    const before = {
      connections: await value(page, '[data-stat="connections"]'),
      total: await value(page, '[data-stat="total_connections"]'),
      inMsgs: await value(page, '[data-stat="in_msgs"]'),
      outMsgs: await value(page, '[data-stat="out_msgs"]'),
      inBytes: await value(page, '[data-stat="in_bytes"]'),
      shardIn: await value(page, 'tr[data-shard="0"] [data-field="in_msgs"]'),
    };
    expect(before.inMsgs).toBeGreaterThanOrEqual(0);

    const nc = await clients.connect();
    const subject = uniq("dashboard");
    const inbox = listen(nc, subject);
    const payload = "x".repeat(100);
    // 500 messages spread over a few polls, so the rates and charts have something to draw.
    for (let batch = 0; batch < 10; batch++) {
      for (let i = 0; i < 50; i++) nc.publish(subject, payload);
      await nc.flush();
      await delay(250);
    }
    await inbox.waitFor(500);

    await waitForAtLeast(page, {
      '[data-stat="connections"]': before.connections + 1,
      '[data-stat="total_connections"]': before.total + 1,
      '[data-stat="subscriptions"]': 1,
      '[data-stat="in_msgs"]': before.inMsgs + 500,
      '[data-stat="out_msgs"]': before.outMsgs + 500,
      '[data-stat="in_bytes"]': before.inBytes + 500 * payload.length,
      'tr[data-shard="0"] [data-field="in_msgs"]': before.shardIn + 500,
    });
    // The message-rate chart rose above its baseline (y = 100 is zero).
    const peak = await page.$$eval('[data-chart="msgs"] polyline.s-in', (lines) =>
      Math.min(...lines.flatMap((l) => (l.getAttribute("points") ?? "").split(" ").map((p) => Number(p.split(",")[1])))),
    );
    expect(peak).toBeLessThan(100);
    // Traffic stopped: the rate falls back to zero.
    await page.waitForFunction(() => document.querySelector('[data-rate="in_msgs"]')?.getAttribute("data-value") === "0", undefined, {
      timeout: 10_000,
      polling: 50,
    });
    expect(await page.locator("#status").getAttribute("data-state")).toBe("ok");
    await screenshot(page, "dashboard");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("shows JetStream's streams, consumers and stored bytes", async () => {
    const nc = await clients.connect();
    const jsm = await jetstreamManager(nc);
    const name = `DASH${nuid.next()}`;
    await jsm.streams.add({ name, subjects: [`${name}.>`] });
    await jetstream(nc).publish(`${name}.x`, "stored");
    await jsm.consumers.add(name, { durable_name: "dash", ack_policy: AckPolicy.Explicit });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = watchErrors(page);
    await page.goto(`${httpBase()}/dashboard`);
    await firstReading(page);
    await waitForAtLeast(page, { '[data-js="streams"]': 1, '[data-js="consumers"]': 1, '[data-js="bytes"]': 1 });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("groups the shard table by region when the broker has REGIONS", async () => {
    const broker = await startBroker({ vars: { REGIONS: "wnam,weur", SHARDS: "2" } });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    try {
      const errors = watchErrors(page);
      await page.goto(`${broker.url.replace(/^ws/, "http")}/dashboard`);
      await firstReading(page);
      const rows = page.locator("#shards tbody tr");
      await page.waitForFunction(() => document.querySelectorAll("#shards tbody tr").length === 6, undefined, { timeout: 10_000 });
      // A heading row per region, then its shards, in order.
      const shape = await rows.evaluateAll((trs) => trs.map((tr) => (tr.classList.contains("region") ? `region ${(tr as HTMLElement).dataset.region}` : `shard ${(tr as HTMLElement).dataset.shard}`)));
      expect(shape).toEqual(["region wnam", "shard 0", "shard 1", "region weur", "shard 2", "shard 3"]);
      expect(await page.locator("#shards tr.region").first().textContent()).toBe("region wnam");
      await screenshot(page, "dashboard-regions");
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await broker.stop();
    }
  });

  it("asks for the monitoring token, keeps it for the tab, and asks again when it is refused", async () => {
    const broker = await startBroker({ vars: { MONITOR_TOKEN: "dashboard-secret" } });
    const context = await browser.newContext({ viewport: { width: 1280, height: 700 } });
    try {
      const page = await context.newPage();
      await page.goto(`${broker.url.replace(/^ws/, "http")}/dashboard`);
      const form = page.locator("#token-form");
      await form.waitFor({ timeout: 10_000 });
      expect(await page.locator("#status").getAttribute("data-state")).toBe("auth");
      await screenshot(page, "dashboard-token");

      await page.fill("#token-input", "not-the-token");
      await page.press("#token-input", "Enter");
      await page.locator("#token-message", { hasText: "wrong monitoring token" }).waitFor({ timeout: 5_000 });
      await form.waitFor({ timeout: 5_000 });

      await page.fill("#token-input", "dashboard-secret");
      await page.press("#token-input", "Enter");
      await firstReading(page);
      expect(await value(page, '[data-stat="num_shards"]')).toBe(1);

      // sessionStorage: a reload keeps the token, the form stays away.
      await page.reload();
      await firstReading(page);
      expect(await form.isHidden()).toBe(true);
    } finally {
      await context.close();
      await broker.stop();
    }
  });
});
