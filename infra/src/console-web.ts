import { join } from "node:path";
import { localConsoleOptions, startConsoleServer } from "../../console/server/serve";
import { DEMO_USERS } from "./demo-users";
import { ROOT, buildWorkspace } from "./stack";

/** The clinician console's local port. */
export const CONSOLE_PORT = 8096;

/**
 * Builds the clinician console (console/dist) and serves it on 127.0.0.1:8096 against the
 * local stack; answers the lines `npm start` prints and a stop function.
 */
export async function startConsoleWeb(): Promise<{ lines: string[]; close(): Promise<void> }> {
  buildWorkspace(
    "build",
    "console",
    "The clinician console did not build.",
    `run npm run build -w console in ${join(ROOT)} to see why.`,
  );
  const server = await startConsoleServer(localConsoleOptions(CONSOLE_PORT));
  const doctor = DEMO_USERS.find((u) => u.role === "doctor");
  return {
    lines: [
      `  Clinician console: ${server.url}/`,
      ...(doctor ? [`    sign in as ${doctor.email} / ${doctor.password}`] : []),
    ],
    close: () => server.close(),
  };
}
