import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { LaunchOptions, Page } from "playwright-core";

/*
 * What the browser walks of both web apps (console/e2e, mobile/e2e) share: how Debian's
 * Chromium is started, screenshots, the sign-in form (both apps use the same test ids) and an
 * ID token from the Auth emulator. Only playwright-core's types are imported: each walk launches
 * Chromium with its own workspace's playwright-core. No CommonJS/ESM-only globals: the CHW app's
 * Jest (Babel, CommonJS) and the console's Vitest (ESM) both load this file.
 */

/** Debian's headless Chromium, with nothing that talks to Google or changes between runs. */
export const CHROMIUM_LAUNCH: LaunchOptions = {
  executablePath: "/usr/bin/chromium",
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
};

/** The local stack's Auth emulator. */
export const AUTH_EMULATOR_URL = "http://127.0.0.1:9099";

/** A full-page screenshot taker writing `<dir>/<name>.png` (the folder is created now). */
export function screenshots(dir: string): (page: Page, name: string) => Promise<void> {
  mkdirSync(dir, { recursive: true });
  return async (page, name) => {
    await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
  };
}

/** Waits for the sign-in screen and fills it in (the walk presses the button). */
export async function fillSignIn(
  page: Page,
  user: { email: string; password: string },
): Promise<void> {
  await page.getByTestId("sign-in-screen").waitFor();
  await page.getByTestId("email").fill(user.email);
  await page.getByTestId("password").fill(user.password);
}

/** An ID token for an account, from the Auth emulator's REST API (as the SDK gets one). */
export async function emulatorIdToken(user: { email: string; password: string }): Promise<string> {
  const res = await fetch(
    `${AUTH_EMULATOR_URL}/identitytoolkit.googleapis.com/v1/accounts:signInWithPassword?key=demo-key`,
    {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: user.email, password: user.password, returnSecureToken: true }),
    },
  );
  const body = (await res.json()) as { idToken?: string };
  if (!body.idToken) throw new Error(`sign-in of ${user.email} failed`);
  return body.idToken;
}
