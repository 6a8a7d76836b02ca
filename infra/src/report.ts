import { applicationDefault, initializeApp } from "firebase-admin/app";
import { getFirestore } from "firebase-admin/firestore";
import type { Firestore } from "firebase-admin/firestore";
import { PORTS, PROJECT_ID, StackError, exitOnStackError } from "./stack";
import { formatTurnaround, turnaround } from "@dermadetect/contract";
import { readCaseTimes } from "../../functions/src/adapters/turnaround-source";

const USAGE = `usage: npm run report -- turnaround [--since YYYY-MM-DD | --days N] [--json]
                                    [--project PROJECT_ID | --emulator]

  Stage durations (p50/p95, per CHW and overall) from cases.timeline and diagnosisDeliveries:
  capture→sync→analysis→diagnosis→back on the device. Default: the last 30 days, against the
  local emulators when FIRESTORE_EMULATOR_HOST is set or --emulator is given, else against
  --project with Application Default Credentials (gcloud auth application-default login).`;

interface Options {
  since: number;
  json: boolean;
  project: string | undefined;
  emulator: boolean;
}

function parseArgs(argv: string[]): Options {
  const [kind, ...rest] = argv;
  if (kind !== "turnaround") throw new StackError(`Unknown report "${kind ?? ""}".`, USAGE);
  const opts: Options = {
    since: Date.now() - 30 * 86_400_000,
    json: false,
    project: undefined,
    emulator: Boolean(process.env.FIRESTORE_EMULATOR_HOST),
  };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const value = () => {
      const v = rest[++i];
      if (v === undefined) throw new StackError(`${arg} needs a value.`, USAGE);
      return v;
    };
    if (arg === "--json") opts.json = true;
    else if (arg === "--emulator") opts.emulator = true;
    else if (arg === "--project") opts.project = value();
    else if (arg === "--days") opts.since = Date.now() - Number(value()) * 86_400_000;
    else if (arg === "--since") opts.since = Date.parse(value());
    else throw new StackError(`Unknown option ${arg}.`, USAGE);
  }
  if (!Number.isFinite(opts.since)) throw new StackError("Invalid --since or --days.", USAGE);
  if (!opts.emulator && !opts.project) {
    throw new StackError("No project given.", "pass --project PROJECT_ID, or --emulator.");
  }
  return opts;
}

function firestoreFor(opts: Options): Firestore {
  if (opts.emulator) {
    process.env.FIRESTORE_EMULATOR_HOST ??= `127.0.0.1:${PORTS.firestore}`;
    return getFirestore(initializeApp({ projectId: opts.project ?? PROJECT_ID }, "report"));
  }
  return getFirestore(
    initializeApp({ projectId: opts.project, credential: applicationDefault() }, "report"),
  );
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const db = firestoreFor(opts);
  const rows = await readCaseTimes(db, opts.since);
  const groups = turnaround(rows);
  if (opts.json) {
    process.stdout.write(JSON.stringify({ since: opts.since, groups }, null, 2) + "\n");
  } else {
    process.stdout.write(
      `Turnaround since ${new Date(opts.since).toISOString()} (${rows.length} cases)\n` +
        formatTurnaround(groups) +
        "\n",
    );
  }
  await db.terminate();
}

main().catch(exitOnStackError);
