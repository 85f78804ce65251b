// The chat demo in a real browser: two pages, each its own browser profile, talk through the
// broker with the official client and see each other by request/reply presence.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { nuid } from "@nats-io/nats-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpBase, launchChromium, screenshot, watchErrors } from "./chromium";

let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  for (const c of contexts) await c.close();
  await browser?.close();
});

async function join(name: string, room: string): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
  contexts.push(context);
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(`${httpBase()}/demo`);
  await page.fill("#name", name);
  await page.fill("#room", room);
  await page.click("#join-button");
  await page.waitForSelector("#room-view:not([hidden])", { timeout: 10_000 });
  return { page, errors };
}

async function presence(page: Page): Promise<string[]> {
  return (await page.locator("#presence li").allTextContents()).sort();
}

describe("chat demo", () => {
  it("delivers messages between two pages and lists both in who's here", async () => {
    const room = `room${nuid.next()}`;
    const alice = await join("alice", room);
    const bob = await join("bob", room);

    await alice.page.fill("#message", "hello from alice");
    await alice.page.press("#message", "Enter");
    await bob.page.locator('#messages li[data-from="alice"]', { hasText: "hello from alice" }).waitFor({ timeout: 5_000 });

    await bob.page.fill("#message", "hi alice");
    await bob.page.click("#send");
    await alice.page.locator('#messages li[data-from="bob"]', { hasText: "hi alice" }).waitFor({ timeout: 5_000 });

    for (const { page } of [alice, bob]) {
      // The button is disabled while the replies are collected.
      await page.click("#who");
      await page.waitForSelector("#who:enabled", { timeout: 5_000 });
      expect(await presence(page)).toEqual(["alice", "bob"]);
    }
    await screenshot(alice.page, "demo-alice");
    await screenshot(bob.page, "demo-bob");
    expect([...alice.errors, ...bob.errors]).toEqual([]);
  });

  it("shows a page that joins late the room's last messages, kept in a stream", async () => {
    const room = `room${nuid.next()}`;
    const carol = await join("carol", room);
    for (const text of ["first", "second", "third"]) {
      await carol.page.fill("#message", text);
      await carol.page.press("#message", "Enter");
      await carol.page.locator('#messages li[data-from="carol"]', { hasText: text }).waitFor({ timeout: 5_000 });
    }
    const dave = await join("dave", room);
    const earlier = dave.page.locator('#messages li.earlier[data-from="carol"]');
    await earlier.nth(2).waitFor({ timeout: 5_000 });
    expect(await earlier.allTextContents()).toEqual(["carolfirst", "carolsecond", "carolthird"]);
    // And live messages go on after the history, each once.
    await carol.page.fill("#message", "fourth");
    await carol.page.press("#message", "Enter");
    await dave.page.locator('#messages li[data-from="carol"]', { hasText: "fourth" }).waitFor({ timeout: 5_000 });
    expect(await dave.page.locator('#messages li[data-from="carol"]').count()).toBe(4);
    expect([...carol.errors, ...dave.errors]).toEqual([]);
  });
});
