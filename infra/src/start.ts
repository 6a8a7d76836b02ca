import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { CONSOLE_PORT, startConsoleWeb } from "./console-web";
import { CHW_WEB_PORT, CHW_WEB_URL, startChwWebApp } from "./chw-web";
import { DEMO_USERS } from "./demo-users";
import { spawnGroup, stopGroup } from "./process-group";
import { seedDemoUsers } from "./seed";
import { LOCAL_SERVICES, startLocalServices } from "./services";
import {
  API_BASE_URL,
  PORTS,
  PROJECT_ID,
  ROOT,
  StackError,
  checkJava,
  checkPorts,
  exitOnStackError,
  firebaseBin,
  stackEnv,
} from "./stack";

const READY_TIMEOUT_MS = 120_000;

/** Polls the health route until it answers 200, the CLI exits, or time runs out. */
async function waitForHealth(exited: () => boolean): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < READY_TIMEOUT_MS) {
    if (exited()) {
      throw new StackError(
        "The Firebase emulators stopped during start-up (see the output above).",
        "fix the error shown above, then run npm start again.",
      );
    }
    try {
      const res = await fetch(`${API_BASE_URL}/v1/health`);
      if (res.status === 200) return Date.now() - started;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new StackError(
    `The API did not become healthy within ${READY_TIMEOUT_MS / 1000} s.`,
    "check the emulator output above for errors (a failed functions build is the usual cause).",
  );
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const notice = (line: string) => process.stderr.write(`dermadetect: ${line}\n`);
  checkJava();
  const bin = firebaseBin();
  await checkPorts({
    ...PORTS,
    ...Object.fromEntries(LOCAL_SERVICES.map((s) => [s.name, s.port])),
    "CHW web app": CHW_WEB_PORT,
    "clinician console": CONSOLE_PORT,
  });
  const env = stackEnv(notice);
  mkdirSync(join(ROOT, ".cache"), { recursive: true });
  const stopServices = await startLocalServices();
  const child = spawnGroup(
    bin,
    ["emulators:start", "--project", PROJECT_ID, "--only", "firestore,auth,pubsub,functions"],
    { cwd: ROOT, env, stdio: "inherit" },
  );
  let stopWeb: () => Promise<void> = () => Promise.resolve();
  let consoleWeb: Awaited<ReturnType<typeof startConsoleWeb>> | undefined;
  let exited = false;
  let stopping = false;
  child.once("exit", (code) => {
    exited = true;
    if (!stopping) {
      void stopServices().then(() => process.exit(code ?? 1));
    }
  });
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    process.stderr.write("\ndermadetect: stopping the local stack…\n");
    await stopWeb();
    await consoleWeb?.close();
    await stopGroup(child);
    await stopServices();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());

  try {
    await waitForHealth(() => exited);
    await seedDemoUsers();
    consoleWeb = await startConsoleWeb();
    stopWeb = await startChwWebApp(notice);
  } catch (e) {
    stopping = true;
    await stopWeb();
    await consoleWeb?.close();
    await stopGroup(child);
    await stopServices();
    throw e;
  }
  const lines = [
    "",
    "DermaDetect local stack is ready " + `(${((Date.now() - t0) / 1000).toFixed(1)} s).`,
    `  API base URL: ${API_BASE_URL}`,
    `  Health:       ${API_BASE_URL}/v1/health`,
    `  Firestore ${PORTS.firestore} · Auth ${PORTS.auth} · Pub/Sub ${PORTS.pubsub} · Functions ${PORTS.functions} · Hub ${PORTS.hub}`,
    ...LOCAL_SERVICES.map((s) => `  ${s.name}: http://127.0.0.1:${s.port}`),
    `  CHW web app (installable, works offline): ${CHW_WEB_URL}`,
    "  Demo users (Auth emulator only):",
    ...DEMO_USERS.map(
      (u) => `    ${u.role.padEnd(6)} ${u.email.padEnd(36)} password: ${u.password}`,
    ),
    ...(consoleWeb?.lines ?? []),
    "Press Ctrl-C to stop everything.",
    "",
  ];
  process.stdout.write(lines.join("\n") + "\n");
}

main().catch(exitOnStackError);
