import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { chromium } from "playwright-core";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { CHROMIUM_LAUNCH, fillSignIn, screenshots } from "../../infra/src/walk-support";
import { localConsoleOptions, startConsoleServer } from "../server/serve";
import {
  adminDb,
  chwSync,
  closeAdmin,
  createUser,
  idToken,
  lesionPng,
  redCase,
  uploadPhoto,
} from "./stack";
import type { TestUser } from "./stack";

/*
 * The doctor's day in Debian's headless Chromium against the local stack (Firestore, Auth,
 * Functions with the sync, image and AI pipelines, the MedGemma stand-in, the local image
 * store), through the built console: sign in → queue → open a RED case (photo loaded, AI
 * disclaimer shown) → diagnose → the case leaves the queue and the CHW's pull carries the
 * diagnosis; a new RED case appears in the open queue without a reload; a CHW is refused and
 * nothing is read for them. Screenshots of every screen land in console/e2e/screenshots/.
 */

const shot = screenshots(join(dirname(fileURLToPath(import.meta.url)), "screenshots"));
/** The AI pipeline runs between a sync and the queue: allow for one listener reconnect too. */
const PIPELINE_MS = 120_000;

let browser: Browser;
let server: { url: string; close(): Promise<void> };
let chw: TestUser;
let doctor: TestUser;

beforeAll(async () => {
  server = await startConsoleServer(localConsoleOptions(0));
  browser = await chromium.launch(CHROMIUM_LAUNCH);
  chw = await createUser("chw", "Amina (walk)");
  doctor = await createUser("doctor", "Dr Walk");
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await closeAdmin();
});

async function signIn(context: BrowserContext, user: TestUser): Promise<Page> {
  const page = await context.newPage();
  await page.goto(server.url);
  await fillSignIn(page, user);
  return page;
}

it("a doctor reviews and diagnoses a RED case; a new one arrives live", async () => {
  const chwToken = await idToken(chw);
  const photo = lesionPng();
  const first = redCase("Achieng Otieno", "Kisumu", photo);
  await chwSync(chwToken, { patients: [first.patient], cases: [first.case] });
  await uploadPhoto(chwToken, String(first.case.id), photo);
  const firstId = String(first.case.id);

  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    acceptDownloads: true,
  });
  const errors: string[] = [];
  const page = await signIn(context, doctor);
  page.on("pageerror", (e) => errors.push(e.message));
  await shot(page, "01-sign-in");
  await page.getByTestId("sign-in").click();
  await page.getByTestId("queue-screen").waitFor();
  const row = page.getByTestId(`queue-case-${firstId}`);
  await row.waitFor({ timeout: PIPELINE_MS });
  await expect.poll(() => row.textContent()).toContain("Achieng Otieno");
  expect(await row.textContent()).toContain("Kisumu");
  expect(await row.textContent()).toContain("left forearm");
  await shot(page, "02-queue");

  // A new RED case reaches the server while the queue is open: it appears without a reload.
  const loads = await page.evaluate(() => performance.getEntriesByType("navigation").length);
  const second = redCase("Baraka Mwangi", "Siaya");
  await chwSync(chwToken, { patients: [second.patient], cases: [second.case] });
  const secondRow = page.getByTestId(`queue-case-${String(second.case.id)}`);
  await secondRow.waitFor({ timeout: PIPELINE_MS });
  await expect.poll(() => secondRow.textContent(), { timeout: 30_000 }).toContain("Baraka Mwangi");
  expect(await page.evaluate(() => performance.getEntriesByType("navigation").length)).toBe(loads);
  await shot(page, "03-queue-new-case-live");

  // Tablet width: the same queue, one card per case.
  await page.setViewportSize({ width: 768, height: 1024 });
  await shot(page, "04-queue-tablet");
  await page.setViewportSize({ width: 1280, height: 800 });

  // Open the first case: photo loaded through its short-lived URL, AI disclaimer verbatim.
  await row.getByRole("link").click();
  await page.getByTestId("case-review-screen").waitFor();
  const img = page.getByTestId("case-photo-0");
  await img.waitFor({ timeout: PIPELINE_MS });
  await expect
    .poll(() => img.evaluate((el) => (el as HTMLImageElement).naturalWidth), { timeout: 30_000 })
    .toBe(320);
  const stored = (await adminDb().doc(`cases/${firstId}`).get()).data() ?? {};
  const disclaimer = String(
    (stored.ai_analysis as { disclaimer?: string } | undefined)?.disclaimer,
  );
  await page.getByTestId("ai-disclaimer").waitFor();
  expect(await page.getByTestId("ai-disclaimer").textContent()).toBe(disclaimer);
  await page.getByTestId("ai-stand-in").waitFor();
  await page.getByTestId("demo-model").waitFor();
  await page.getByTestId("claimed-by-me").waitFor();
  await shot(page, "05-case-review");
  const audit = await adminDb()
    .collection("auditLogs")
    .where("actor", "==", doctor.uid)
    .where("action", "==", "photo.url_issued")
    .get();
  expect(audit.size).toBeGreaterThanOrEqual(1);

  // Full-size view with zoom, by keyboard as well as by mouse.
  await page.getByRole("button", { name: "Open photo 1 full size" }).click();
  await page.getByTestId("photo-viewer").waitFor();
  await page.getByTestId("zoom-in").click();
  await shot(page, "06-photo-full-size");
  await page.keyboard.press("Escape");
  await page.getByTestId("photo-viewer").waitFor({ state: "detached" });

  // Diagnose with an urgent referral.
  await page.getByTestId("diagnosis-text").fill("Suspected melanoma");
  await page.getByTestId("prescription").fill("No treatment before the biopsy");
  await page.getByTestId("referral-urgent").check();
  await page.getByTestId("referral-destination").fill("Jaramogi Oginga Odinga Hospital");
  await page.getByTestId("follow-up-days").fill("7");
  await shot(page, "07-diagnosis-form");
  await page.getByTestId("submit-diagnosis").click();
  await page.getByTestId("diagnosis-saved").waitFor({ timeout: 30_000 });
  await page.getByTestId("referral-note").waitFor();
  await shot(page, "08-diagnosis-saved");
  const download = page.waitForEvent("download");
  await page.getByTestId("download-referral").click();
  const pdf = await download;
  expect(pdf.suggestedFilename()).toBe(`referral-${firstId}.pdf`);
  const pdfPath = await pdf.path();
  expect(readFileSync(pdfPath).subarray(0, 5).toString("latin1")).toBe("%PDF-");

  // Back to the queue: the diagnosed case has left it.
  await page.getByRole("link", { name: /Back to the queue/ }).click();
  await page.getByTestId("queue-screen").waitFor();
  await page.getByTestId(`queue-case-${firstId}`).waitFor({ state: "detached", timeout: 60_000 });
  await shot(page, "09-queue-after-diagnosis");

  // Ask the CHW about the second case: it waits for the CHW, then comes back "answered".
  const secondId = String(second.case.id);
  await secondRow.getByRole("link").click();
  await page.getByTestId("case-review-screen").waitFor();
  await page.getByTestId("ask-information").check();
  await page.getByTestId("ask-message").fill("Is the lesion painful? Any fever?");
  await page.getByTestId("ask-send").click();
  await page.getByTestId("ask-sent").waitFor({ timeout: 30_000 });
  await shot(page, "10-ask-the-chw");
  await page.getByRole("link", { name: /Back to the queue/ }).click();
  await page.getByTestId(`queue-case-${secondId}`).waitFor({ state: "detached", timeout: 60_000 });
  await page.getByTestId("filter-view").selectOption("waiting_for_chw");
  await page.getByTestId(`queue-case-${secondId}`).waitFor({ timeout: 60_000 });
  const answer = {
    ...second.case,
    triage_data: {
      ...(second.case.triage_data as object),
      notes: "Painful since last week, no fever",
    },
    last_modified_at: Date.now(),
  };
  await chwSync(chwToken, { cases: [answer] });
  await page.getByTestId("filter-view").selectOption("answered");
  const answered = page.getByTestId(`queue-case-${secondId}`);
  await answered.waitFor({ timeout: 60_000 });
  expect(await answered.textContent()).toContain("Answered");
  await shot(page, "11-queue-answered");

  // Turnaround: the same figures as `npm run report -- turnaround`, as a chart and tables.
  await page.getByRole("link", { name: "Turnaround" }).click();
  await page.getByTestId("turnaround-ALL").waitFor({ timeout: 30_000 });
  await page.getByTestId("turnaround-chart").waitFor();
  await shot(page, "12-turnaround");

  // The CHW's next pull carries the diagnosis with its referral.
  const pulled = await chwSync(chwToken, {}, null);
  const diagnoses = (pulled.server_updates as { diagnoses: Record<string, unknown>[] }).diagnoses;
  const mine = diagnoses.find((d) => d.case_id === firstId);
  expect(mine?.diagnosis_text).toBe("Suspected melanoma");
  expect(mine?.referral).toEqual({
    decision: "urgent",
    destination: "Jaramogi Oginga Odinga Hospital",
  });
  expect(errors).toEqual([]);
  await context.close();
});

it("a CHW account is refused and no patient data is requested for it", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const requests: string[] = [];
  context.on("request", (r) => requests.push(r.url()));
  const page = await signIn(context, chw);
  await page.getByTestId("sign-in").click();
  await page.getByTestId("access-refused").waitFor();
  await shot(page, "13-access-refused");
  expect(requests.filter((u) => u.includes("/api/v1/") || u.includes("google.firestore"))).toEqual(
    [],
  );
  await context.close();
});
