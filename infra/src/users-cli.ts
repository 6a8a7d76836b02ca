import { readFileSync } from "node:fs";
import { join } from "node:path";
import { initializeApp } from "firebase-admin/app";
import { getAuth } from "firebase-admin/auth";
import { getFirestore } from "firebase-admin/firestore";
import { ROOT } from "./stack";
import { USAGE, UsageError, runUsersCommand } from "./users";

// `npm run users -- <command>`: account provisioning for admins (see infra/src/users.ts).

function projectFrom(argv: string[]): string | undefined {
  const i = argv.indexOf("--project");
  const flag = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith("--project="))?.slice(10);
  if (flag) return flag;
  const env = process.env.GOOGLE_CLOUD_PROJECT ?? process.env.GCLOUD_PROJECT;
  if (env) return env;
  try {
    const rc = JSON.parse(readFileSync(join(ROOT, ".firebaserc"), "utf8")) as {
      projects?: { default?: string };
    };
    return rc.projects?.default;
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.length === 0 || argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(argv.length === 0 ? 2 : 0);
  }
  const authEmu = process.env.FIREBASE_AUTH_EMULATOR_HOST;
  const storeEmu = process.env.FIRESTORE_EMULATOR_HOST;
  // Half on the emulators would write the users document to one place and the claim to another.
  if (Boolean(authEmu) !== Boolean(storeEmu)) {
    throw new UsageError(
      "set both FIREBASE_AUTH_EMULATOR_HOST and FIRESTORE_EMULATOR_HOST (emulators) or neither (a real project)",
    );
  }
  const projectId = projectFrom(argv);
  if (!projectId) throw new UsageError("no project: pass --project or set GOOGLE_CLOUD_PROJECT");
  if (!authEmu && projectId.startsWith("demo-")) {
    throw new UsageError(
      `${projectId} exists only on the emulators: start them (npm start) and set FIREBASE_AUTH_EMULATOR_HOST=127.0.0.1:9099 FIRESTORE_EMULATOR_HOST=127.0.0.1:8080`,
    );
  }
  const app = initializeApp({ projectId });
  await runUsersCommand(argv, {
    auth: getAuth(app),
    db: getFirestore(app),
    out: (line) => process.stdout.write(`${line}\n`),
  });
  process.exit(0);
}

main().catch((e: unknown) => {
  if (e instanceof UsageError) {
    process.stderr.write(`users: ${e.message}\n`);
    process.exit(2);
  }
  // Admin SDK errors carry a code and a message without credentials; no stack trace.
  const code = typeof e === "object" && e !== null && "code" in e ? String(e.code) : "error";
  const message = e instanceof Error ? e.message : String(e);
  process.stderr.write(`users: ${code}: ${message}\n`);
  process.exit(1);
});
