import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { BrowserContext, LaunchOptions, Page } from "playwright-core";

/*
 * What the browser walks of both web apps (console/e2e, mobile/e2e) share: how Debian's
 * Chromium is started, screenshots, the sign-in form (both apps use the same test ids) and an
 * ID token from the Auth emulator, and cutting a browser off the stack. Only playwright-core's types are imported: each walk launches
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

/** Every request to the local stack: Auth, Firestore, and the web server's API and image-store proxies. */
export const STACK_REQUESTS: readonly RegExp[] = [
  /127\.0\.0\.1:9099/,
  /127\.0\.0\.1:8080/,
  /\/api\//,
  /\/image-store\//,
];

/**
 * Cuts a context off the stack: every stack request is aborted as a lost connection and, unless
 * `offline` is false, the browser reports no network (the web server itself still answers then).
 */
export async function cutOff(context: BrowserContext, offline = true): Promise<void> {
  for (const re of STACK_REQUESTS) await context.route(re, (r) => r.abort("internetdisconnected"));
  await context.setOffline(offline);
}

/** Undoes {@link cutOff}: the stack answers again and the browser is online. */
export async function reconnect(context: BrowserContext): Promise<void> {
  for (const re of STACK_REQUESTS) await context.unroute(re);
  await context.setOffline(false);
}

/** Collects the messages of uncaught page errors in the context, for a walk to assert none. */
export function webErrors(context: BrowserContext): string[] {
  const errors: string[] = [];
  context.on("weberror", (e) => errors.push(e.error().message));
  return errors;
}

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
