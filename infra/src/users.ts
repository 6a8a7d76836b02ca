import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import type { Auth, UserRecord } from "firebase-admin/auth";
import type { Firestore } from "firebase-admin/firestore";
import { ROLES, UID_PATTERN, isRole } from "@dermadetect/contract";
import type { Role } from "@dermadetect/contract";

/** A mistake in the command line or its values: printed as one line, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The row `list` prints for each account. */
export interface AccountRow {
  uid: string;
  email: string;
  role: string;
  disabled: boolean;
  display_name: string;
}

/** What the commands need: the Admin SDK clients and somewhere to print. */
export interface UsersDeps {
  auth: Auth;
  db: Firestore;
  out: (line: string) => void;
}

export const USAGE = `usage: npm run users -- <command> [options]
  add --email <email> --role <${ROLES.join("|")}> [--name <display name>] [--password <password>] [--uid <uid>]
  set-role <email|uid> --role <${ROLES.join("|")}>
  disable <email|uid>       (also revokes the account's refresh tokens)
  enable <email|uid>
  list [--json]
Targets the emulators when FIREBASE_AUTH_EMULATOR_HOST and FIRESTORE_EMULATOR_HOST are set,
otherwise the project in GOOGLE_CLOUD_PROJECT (or --project) with Application Default Credentials.`;

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}$/;

function roleOf(value: string | undefined): Role {
  if (!isRole(value)) throw new UsageError(`--role must be one of ${ROLES.join(", ")}`);
  return value;
}

function nameOf(value: string | undefined, fallback: string): string {
  const name = value ?? fallback;
  if (name.length < 1 || name.length > 100) {
    throw new UsageError("--name must be 1 to 100 characters");
  }
  return name;
}

/** Resolves an email or uid to the Auth account, with a clear error when there is none. */
async function findUser(auth: Auth, who: string | undefined): Promise<UserRecord> {
  if (!who) throw new UsageError("name the account by email or uid");
  try {
    return who.includes("@") ? await auth.getUserByEmail(who) : await auth.getUser(who);
  } catch (e) {
    if (codeOf(e) === "auth/user-not-found") throw new UsageError(`no account ${who}`);
    throw e;
  }
}

function codeOf(e: unknown): string | undefined {
  return typeof e === "object" && e !== null && "code" in e ? String(e.code) : undefined;
}

/**
 * Runs one `npm run users` command. The `role` custom claim decides what a token may do; the
 * `users/{uid}` document mirrors it for the console and for the API's server-side check
 * (functions/src/auth/account-check.ts), which makes a disable or demotion bite within 30 s
 * instead of when the user's ID token expires.
 */
export async function runUsersCommand(argv: string[], deps: UsersDeps): Promise<void> {
  const { auth, db, out } = deps;
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        email: { type: "string" },
        role: { type: "string" },
        name: { type: "string" },
        password: { type: "string" },
        uid: { type: "string" },
        json: { type: "boolean" },
        project: { type: "string" },
      },
    });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : "bad arguments");
  }
  const { values, positionals } = parsed;
  const [command, target, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]}`);

  switch (command) {
    case "add": {
      const email = values.email?.trim().toLowerCase();
      if (!email || !EMAIL.test(email)) throw new UsageError("--email must be an email address");
      const role = roleOf(values.role);
      const displayName = nameOf(values.name, email.split("@")[0] ?? email);
      if (values.password !== undefined && values.password.length < 8) {
        throw new UsageError("--password must be at least 8 characters");
      }
      if (values.uid !== undefined && !new RegExp(UID_PATTERN).test(values.uid)) {
        throw new UsageError("--uid must be 1 to 128 letters, digits, _ or -");
      }
      const password = values.password ?? randomBytes(15).toString("base64url");
      let user: UserRecord;
      try {
        user = await auth.createUser({
          ...(values.uid ? { uid: values.uid } : {}),
          email,
          password,
          displayName,
          emailVerified: false,
          disabled: false,
        });
      } catch (e) {
        const code = codeOf(e);
        if (code === "auth/email-already-exists") {
          throw new UsageError(`an account with ${email} already exists (use set-role or enable)`);
        }
        if (code === "auth/uid-already-exists") {
          throw new UsageError(`the uid ${values.uid ?? ""} is taken`);
        }
        throw e;
      }
      await auth.setCustomUserClaims(user.uid, { role });
      await db.collection("users").doc(user.uid).set({
        role,
        display_name: displayName,
        email,
        disabled: false,
      });
      out(`added ${email} uid=${user.uid} role=${role}`);
      if (!values.password) out(`initial password (shown once): ${password}`);
      return;
    }
    case "set-role": {
      const role = roleOf(values.role);
      const user = await findUser(auth, target);
      // The claim reaches the user's next ID token; the users document makes the API refuse
      // the old claim meanwhile. Revoking refresh tokens forces that next token to be fresh.
      await auth.setCustomUserClaims(user.uid, { ...(user.customClaims ?? {}), role });
      await db.collection("users").doc(user.uid).set({ role }, { merge: true });
      await auth.revokeRefreshTokens(user.uid);
      out(`${user.email ?? user.uid} role=${role} (refresh tokens revoked)`);
      return;
    }
    case "disable": {
      const user = await findUser(auth, target);
      await auth.updateUser(user.uid, { disabled: true });
      await auth.revokeRefreshTokens(user.uid);
      await db.collection("users").doc(user.uid).set({ disabled: true }, { merge: true });
      out(`disabled ${user.email ?? user.uid} (refresh tokens revoked)`);
      return;
    }
    case "enable": {
      const user = await findUser(auth, target);
      await auth.updateUser(user.uid, { disabled: false });
      await db.collection("users").doc(user.uid).set({ disabled: false }, { merge: true });
      out(`enabled ${user.email ?? user.uid}`);
      return;
    }
    case "list": {
      const rows = await listAccounts(auth, db);
      if (values.json) {
        out(JSON.stringify(rows));
        return;
      }
      out(["uid", "email", "role", "disabled", "name"].join("\t"));
      for (const r of rows) {
        out([r.uid, r.email, r.role, String(r.disabled), r.display_name].join("\t"));
      }
      return;
    }
    default:
      throw new UsageError(command ? `unknown command ${command}` : "no command given");
  }
}

/** Every Auth account with its role claim; the disabled flag is the Auth account's own. */
export async function listAccounts(auth: Auth, db: Firestore): Promise<AccountRow[]> {
  const rows: AccountRow[] = [];
  let pageToken: string | undefined;
  do {
    const page = await auth.listUsers(1000, pageToken);
    const docs = page.users.length
      ? await db.getAll(...page.users.map((u) => db.collection("users").doc(u.uid)))
      : [];
    page.users.forEach((u, i) => {
      const data = docs[i]?.data();
      const claim: unknown = u.customClaims?.role;
      rows.push({
        uid: u.uid,
        email: u.email ?? "",
        role: typeof claim === "string" ? claim : "(none)",
        disabled: u.disabled,
        display_name:
          typeof data?.display_name === "string" ? data.display_name : (u.displayName ?? ""),
      });
    });
    pageToken = page.pageToken;
  } while (pageToken);
  return rows.sort((a, b) => a.email.localeCompare(b.email));
}
