// Chromium for the browser tests, driven by playwright-core, plus where the broker's pages and
// the screenshots are.
import * as fs from "node:fs";
import * as path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { brokerUrl } from "../e2e/util";
import { CHROMIUM } from "./require-chromium";

// Quiet and offline: the machine may have no internet, and nothing but the broker is under test.
const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A headless Chromium; playwright gives it a fresh temporary profile. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
}

/** `http://127.0.0.1:<port>`: the broker serves its pages on the port of its WebSocket. */
export function httpBase(): string {
  return brokerUrl().replace(/^ws/, "http").replace(/\/$/, "");
}

const SCREENSHOTS = decodeURIComponent(new URL("../../test-results/browser/", import.meta.url).pathname);

/** Saves a full-page screenshot as test-results/browser/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Page errors and failed requests, so a broken page fails its test with the reason. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(`${page.url()}: ${e.message}`));
  page.on("requestfailed", (r) => errors.push(`${r.method()} ${r.url()}: ${r.failure()?.errorText}`));
  page.on("response", (r) => {
    if (r.status() >= 400) errors.push(`${r.request().method()} ${r.url()}: HTTP ${r.status()}`);
  });
  return errors;
}
