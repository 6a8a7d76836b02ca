import { join } from "node:path";
import { spawnGroup, stopGroup } from "./process-group";
import { ROOT, StackError, buildWorkspace } from "./stack";

/** The CHW web app's pinned local URL (its production build, served by mobile/web/serve.ts). */
export const CHW_WEB_PORT = 8095;
export const CHW_WEB_URL = `http://127.0.0.1:${CHW_WEB_PORT}/`;

/**
 * Builds the CHW app for the browser (an installable offline PWA) and serves the production
 * build on 8095 with same-origin proxies to the local stack. Resolves once it is listening, with
 * the function that stops it.
 */
export async function startChwWebApp(notice: (line: string) => void): Promise<() => Promise<void>> {
  notice("building the CHW web app…");
  buildWorkspace(
    "build:web",
    "mobile",
    "The CHW web app did not build (see the output above).",
    "fix the error shown, then run npm start again.",
  );
  const child = spawnGroup(
    process.execPath,
    ["--import", "tsx", join("mobile", "web", "serve.ts")],
    {
      cwd: ROOT,
      env: { ...process.env, PORT: String(CHW_WEB_PORT) },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("DermaDetect web app")) resolve();
    });
    child.once("exit", () =>
      reject(
        new StackError(
          "The CHW web server stopped during start-up.",
          `is port ${CHW_WEB_PORT} free?`,
        ),
      ),
    );
  });
  return () => stopGroup(child, 3000);
}
