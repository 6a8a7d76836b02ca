import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import type { Browser } from "playwright-core";
import {
  CHROMIUM_LAUNCH,
  emulatorIdToken,
  fillSignIn,
  screenshots,
} from "../../infra/src/walk-support";
import { API_BASE_URL, closeAdmin, createUser } from "@/test-support/emulator";
import { newId } from "@/lib/ids";
import { localStackOptions, startWebServer } from "../web/serve";
import { lesionPng } from "@/test-support/test-png";

/*
 * The CHW workflow in Debian's headless Chromium against the local stack (Firestore, Auth,
 * Functions with the sync, image and AI pipelines, the MedGemma stand-in and the local image
 * store), through the web build of the app: sign in, new patient, new RED case with a photo
 * (offline first), sync, the AI analysis appears, a doctor's diagnosis appears. Screenshots of
 * every screen land in mobile/e2e/screenshots/.
 */

const SHOTS = join(__dirname, "screenshots");
const shot = screenshots(SHOTS);

let browser: Browser;
let server: { url: string; close(): Promise<void> };

beforeAll(async () => {
  server = await startWebServer(localStackOptions(0));
  browser = await chromium.launch(CHROMIUM_LAUNCH);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await closeAdmin();
});

it("walks the CHW workflow: sign in → patient → RED case with photo → sync → analysis → diagnosis", async () => {
  const chw = await createUser("chw");
  const doctor = await createUser("doctor");
  const context = await browser.newContext({ viewport: { width: 420, height: 1500 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(server.url);

  // Sign in.
  await fillSignIn(page, chw);
  await shot(page, "01-sign-in");
  await page.getByTestId("sign-in").click();
  await page.getByTestId("patient-list-screen").waitFor();
  await shot(page, "02-patient-list-empty");

  // New patient.
  await page.getByTestId("new-patient").click();
  await page.getByTestId("patient-name").fill("Achieng Otieno");
  await page.getByTestId("sex-female").click();
  await page.getByTestId("patient-age").fill("42");
  await page.getByTestId("patient-village").fill("Kisumu");
  await shot(page, "03-patient-form");
  await page.getByTestId("save-patient").click();
  await page.getByTestId("patient-screen").waitFor();
  await shot(page, "04-patient");

  // New RED case with a photo, made offline: it must be saved and shown as pending at once.
  await context.setOffline(true);
  await page.getByTestId("new-case").click();
  await page.getByTestId("body-site").fill("left forearm");
  await page.getByTestId("duration").fill("21");
  await page.getByTestId("danger-bleeding").click();
  await page.getByTestId("feature-asymmetry").click();
  await page.getByTestId("diameter").fill("9");
  const chooser = page.waitForEvent("filechooser");
  await page.getByTestId("add-photo").click();
  await (
    await chooser
  ).setFiles({ name: "lesion.png", mimeType: "image/png", buffer: lesionPng() });
  await page.getByText("Photo 1: 1024×768").waitFor();
  await page.getByTestId("assess").click();
  await page.getByTestId("risk-RED").waitFor();
  await page.getByTestId("demo-label").waitFor();
  await shot(page, "05-new-case-triage");
  await page.getByTestId("save-case").click();
  await page.getByTestId("case-detail-screen").waitFor();
  await page.getByText("Saved on phone").first().waitFor();
  await page.getByText("Offline: changes are saved").waitFor();
  await shot(page, "06-case-saved-offline");

  // Back online: the case reaches the server, the photo uploads and is verified.
  await context.setOffline(false);
  await page.getByTestId("stepUploaded-done").waitFor({ timeout: 60_000 });
  await page
    .getByTestId("image-0-verified")
    .or(page.getByTestId("image-0-analysed"))
    .waitFor({ timeout: 60_000 });
  await shot(page, "07-case-uploaded");

  // Sync screen: nothing waiting, manifest complete.
  await page.getByRole("button", { name: "Back" }).click();
  const caseRow = page.locator('[data-testid^="case-"]').first();
  const caseId = ((await caseRow.getAttribute("data-testid")) ?? "").slice("case-".length);
  expect(caseId).toMatch(/^[0-9a-f-]{36}$/);
  await page.getByRole("button", { name: "Back" }).click();
  await page.getByTestId("open-sync").click();
  await shot(page, "08-sync-arrived");
  await page.getByTestId("completeness-complete").waitFor({ timeout: 60_000 });
  await page.getByText("Records waiting for the server: 0").waitFor();
  await page.getByText("Photos waiting to upload: 0").waitFor({ timeout: 60_000 });
  await shot(page, "08-sync");

  // The AI analysis appears (MedGemma stand-in, labelled as fixture output).
  await page.getByRole("button", { name: "Back" }).click();
  await page.getByTestId("patient-list-screen").waitFor();
  await page.getByText("Achieng Otieno").click();
  await page.getByTestId(`case-${caseId}`).click();
  await page.getByTestId("ai-analysis").waitFor({ timeout: 90_000 });
  await page.getByTestId("ai-fixture").waitFor();
  await shot(page, "09-case-analysed");

  // A doctor diagnoses through the API; the diagnosis appears on the CHW's screen.
  const token = await emulatorIdToken(doctor);
  const res = await fetch(`${API_BASE_URL}/v1/cases/${caseId}/diagnoses`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({
      id: newId(),
      diagnosis_text: "Suspected melanoma: refer to the district hospital this week",
      prescription: "Referral letter",
    }),
  });
  expect(res.status).toBe(200);
  await page.getByTestId("diagnosis").waitFor({ timeout: 60_000 });
  await page.getByText("Suspected melanoma: refer to the district hospital this week").waitFor();
  await page.getByTestId("stepDiagnosed-done").waitFor();
  await shot(page, "10-case-diagnosed");

  expect(errors).toEqual([]);
  writeFileSync(join(SHOTS, "case-id.txt"), caseId);
  await context.close();
});
