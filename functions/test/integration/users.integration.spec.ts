import { expect } from "chai";
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { getApps, initializeApp } from "firebase-admin/app";
import { getAuth } from "firebase-admin/auth";
import { getFirestore } from "firebase-admin/firestore";
import { PORTS, PROJECT_ID, ROOT } from "../../../infra/src/stack";
import { UsageError, runUsersCommand } from "../../../infra/src/users";

// `npm run users` against the Auth and Firestore emulators: `add` and the environment checks
// through the real entry point (a child process, ~3 s each), the rest in process with the same
// Admin SDK clients the CLI builds.

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function users(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(ROOT, "infra/src/users-cli.ts"), ...args],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          FIREBASE_AUTH_EMULATOR_HOST: `127.0.0.1:${PORTS.auth}`,
          FIRESTORE_EMULATOR_HOST: `127.0.0.1:${PORTS.firestore}`,
          GOOGLE_CLOUD_PROJECT: PROJECT_ID,
          ...env,
        },
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

describe("npm run users: provisioning on the emulators", function () {
  this.timeout(120_000);
  const app = getApps()[0] ?? initializeApp({ projectId: PROJECT_ID });
  const auth = getAuth(app);
  const db = getFirestore(app);
  const tag = randomUUID().slice(0, 8);
  const email = `nurse-${tag}@example.test`;

  /** Runs a command in process: exit 0 → stdout lines; a UsageError → exit 2 with its message. */
  async function inProcess(args: string[]): Promise<Run> {
    const lines: string[] = [];
    try {
      await runUsersCommand(args, { auth, db, out: (l) => lines.push(l) });
      return { code: 0, stdout: lines.join("\n"), stderr: "" };
    } catch (e) {
      if (e instanceof UsageError) return { code: 2, stdout: "", stderr: `users: ${e.message}\n` };
      throw e;
    }
  }

  it("adds an account with the role claim and the users document", async () => {
    const run = await users(["add", "--email", email, "--role", "chw", "--name", "Nurse A"]);
    expect(run.code, run.stderr).to.equal(0);
    const uid = /uid=(\S+)/.exec(run.stdout)?.[1] ?? "";
    const user = await auth.getUser(uid);
    expect(user.email).to.equal(email);
    expect(user.customClaims).to.deep.equal({ role: "chw" });
    expect((await db.doc(`users/${uid}`).get()).data()).to.deep.equal({
      role: "chw",
      display_name: "Nurse A",
      email,
      disabled: false,
    });
    expect(run.stdout).to.match(/initial password \(shown once\): \S{20}/);
  });

  it("disables an account, revokes its refresh tokens, and enables it again", async () => {
    const before = await auth.getUserByEmail(email);
    // tokensValidAfterTime has one-second resolution; make sure the revocation moves it.
    await new Promise((r) => setTimeout(r, 1100));
    const off = await inProcess(["disable", email]);
    expect(off.code, off.stderr).to.equal(0);
    const disabled = await auth.getUser(before.uid);
    expect(disabled.disabled).to.equal(true);
    expect(Date.parse(disabled.tokensValidAfterTime ?? "")).to.be.greaterThan(
      Date.parse(before.tokensValidAfterTime ?? "0"),
    );
    expect((await db.doc(`users/${before.uid}`).get()).get("disabled")).to.equal(true);

    const on = await inProcess(["enable", before.uid]);
    expect(on.code, on.stderr).to.equal(0);
    expect((await auth.getUser(before.uid)).disabled).to.equal(false);
    expect((await db.doc(`users/${before.uid}`).get()).get("disabled")).to.equal(false);
  });

  it("changes a role in the claim and the users document", async () => {
    const run = await inProcess(["set-role", email, "--role", "doctor"]);
    expect(run.code, run.stderr).to.equal(0);
    const user = await auth.getUserByEmail(email);
    expect(user.customClaims?.role).to.equal("doctor");
    expect((await db.doc(`users/${user.uid}`).get()).get("role")).to.equal("doctor");
  });

  it("lists accounts with their role and state", async () => {
    const run = await inProcess(["list", "--json"]);
    expect(run.code, run.stderr).to.equal(0);
    const rows = JSON.parse(run.stdout) as Array<{
      email: string;
      role: string;
      disabled: boolean;
    }>;
    expect(rows.find((r) => r.email === email)).to.include({ role: "doctor", disabled: false });
  });

  const bad: Array<[string, string[], RegExp, NodeJS.ProcessEnv?]> = [
    [
      "an unknown role",
      ["add", "--email", `x-${tag}@example.test`, "--role", "root"],
      /--role must be one of chw, doctor, admin/,
    ],
    [
      "a malformed email",
      ["add", "--email", "not-an-email", "--role", "chw"],
      /--email must be an email address/,
    ],
    [
      "a short password",
      ["add", "--email", `y-${tag}@example.test`, "--role", "chw", "--password", "short"],
      /at least 8/,
    ],
    ["an existing email", ["add", "--email", email, "--role", "chw"], /already exists/],
    ["an unknown account", ["disable", `nobody-${tag}@example.test`], /no account/],
    ["an unknown command", ["promote", email], /unknown command promote/],
    ["an unknown option", ["list", "--everything"], /Unknown option/],
    [
      "half the emulators",
      ["list"],
      /set both FIREBASE_AUTH_EMULATOR_HOST and FIRESTORE_EMULATOR_HOST/,
      { FIRESTORE_EMULATOR_HOST: "" },
    ],
    [
      "a demo project without emulators",
      ["list"],
      /exists only on the emulators/,
      { FIRESTORE_EMULATOR_HOST: "", FIREBASE_AUTH_EMULATOR_HOST: "" },
    ],
  ];
  for (const [label, args, message, env] of bad) {
    it(`refuses ${label} with a one-line error and exit code 2`, async () => {
      const run = env ? await users(args, env) : await inProcess(args);
      expect(run.code).to.equal(2);
      expect(run.stderr).to.match(message);
      expect(run.stderr.trim().split("\n")).to.have.length(1);
    });
  }

  it("wrote nothing for the refused adds", async () => {
    for (const e of [`x-${tag}@example.test`, `y-${tag}@example.test`]) {
      const err = await auth.getUserByEmail(e).catch((x: unknown) => x);
      expect((err as { code?: string }).code).to.equal("auth/user-not-found");
    }
  });
});
