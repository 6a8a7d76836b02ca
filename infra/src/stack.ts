import { spawnSync } from "node:child_process";
import { crc32 } from "node:zlib";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Repository root (infra/src/../..). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** Project id of the local stack; `demo-` keeps every SDK away from production. */
export const PROJECT_ID = "demo-dermadetect";
export const REGION = "us-central1";

/** Pinned emulator ports (docs/design.md §3). */
export const PORTS = {
  firestore: 8080,
  auth: 9099,
  pubsub: 8085,
  functions: 5001,
  hub: 4400,
  logging: 4500,
  eventarc: 9299,
  tasks: 9499,
  firestoreWebsocket: 9150,
} as const;

/** Base URL of the `api` function on the local stack. */
export const API_BASE_URL = `http://127.0.0.1:${PORTS.functions}/${PROJECT_ID}/${REGION}/api`;

/** A start-up problem the user can fix: printed as one line with the fix, never a stack trace. */
export class StackError extends Error {
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(message);
    this.name = "StackError";
  }
}

/**
 * Runs `npm run <script> -w <workspace>` at the root, its errors shown and its output not;
 * throws a StackError with `message` and `fix` when it fails.
 */
export function buildWorkspace(script: string, workspace: string, message: string, fix: string) {
  const built = spawnSync("npm", ["run", script, "-w", workspace], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "inherit"],
  });
  if (built.status !== 0) throw new StackError(message, fix);
}

/** Java runs the Firestore and Pub/Sub emulators; firebase-tools 14.18 needs 11+, 17 is tested. */
export function checkJava(): string {
  const r = spawnSync("java", ["-version"], { encoding: "utf8" });
  if (r.error || r.status !== 0) {
    throw new StackError(
      "Java was not found on PATH; the Firestore and Pub/Sub emulators need it.",
      "install Java 17 (Debian: apt-get install -y openjdk-17-jre-headless) and retry.",
    );
  }
  const m = /version "(\d+)/.exec(r.stderr);
  const major = Number(m?.[1] ?? 0);
  if (major < 11) {
    throw new StackError(
      `Java ${major} is too old for the emulators.`,
      "install Java 17 (Debian: apt-get install -y openjdk-17-jre-headless) and retry.",
    );
  }
  return String(major);
}

/** Where the gcloud SDK lives, if it is installed. */
export function findGcloudSdk(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = [
    env.CLOUDSDK_ROOT_DIR,
    "/usr/lib/google-cloud-sdk",
    "/usr/share/google-cloud-sdk",
    "/opt/google-cloud-sdk",
    env.HOME ? join(env.HOME, "google-cloud-sdk") : undefined,
  ];
  for (const c of candidates) if (c && existsSync(join(c, "platform"))) return c;
  const r = spawnSync("gcloud", ["info", "--format=value(installation.sdk_root)"], {
    encoding: "utf8",
  });
  const root = r.status === 0 ? r.stdout.trim() : "";
  return root && existsSync(join(root, "platform")) ? root : undefined;
}

/**
 * Writes a jar that holds only a manifest: its Class-Path points at the gcloud SDK's Firestore
 * emulator jar, so firebase-tools can run the SDK's emulator instead of downloading one.
 * A jar is a zip; this writes the single stored entry directly so no JDK `jar` tool is needed.
 */
export function writeLauncherJar(target: string, emulatorJar: string): void {
  const manifest = Buffer.from(
    "Manifest-Version: 1.0\r\n" +
      "Main-Class: com.google.cloud.datastore.emulator.firestore.CloudFirestore\r\n" +
      `Class-Path: file:${emulatorJar}\r\n\r\n`,
  );
  const name = Buffer.from("META-INF/MANIFEST.MF");
  const crc = crc32(manifest);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(10, 4); // version needed
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(manifest.length, 18);
  local.writeUInt32LE(manifest.length, 22);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(10, 6);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(manifest.length, 20);
  central.writeUInt32LE(manifest.length, 24);
  central.writeUInt16LE(name.length, 28);
  const centralOffset = local.length + name.length + manifest.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + name.length, 12);
  end.writeUInt32LE(centralOffset, 16);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, Buffer.concat([local, name, manifest, central, name, end]));
}

/** Environment variables that point firebase-tools at the gcloud SDK emulators. */
export function emulatorBinaryEnv(notice: (line: string) => void): Record<string, string> {
  const sdk = findGcloudSdk();
  if (!sdk) {
    notice(
      "gcloud SDK emulators not found: firebase-tools will download its own (needs internet). " +
        "Fix for offline machines: install the gcloud SDK with the cloud-firestore-emulator and pubsub-emulator components.",
    );
    return {};
  }
  const env: Record<string, string> = {};
  const firestoreJar = join(sdk, "platform/cloud-firestore-emulator/cloud-firestore-emulator.jar");
  if (existsSync(firestoreJar)) {
    const launcher = join(ROOT, ".cache", "emulators", "firestore-launcher.jar");
    writeLauncherJar(launcher, firestoreJar);
    env.FIRESTORE_EMULATOR_BINARY_PATH = launcher;
  } else {
    notice("gcloud SDK has no Firestore emulator: firebase-tools will download its own.");
  }
  const pubsub = join(sdk, "platform/pubsub-emulator/bin/cloud-pubsub-emulator");
  if (existsSync(pubsub)) env.PUBSUB_EMULATOR_BINARY_PATH = pubsub;
  else notice("gcloud SDK has no Pub/Sub emulator: firebase-tools will download its own.");
  return env;
}

/** Resolves when the port can be bound on 127.0.0.1, false when something already holds it. */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.once("error", () => resolvePort(false));
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => {
      server.close(() => resolvePort(true));
    });
  });
}

/** Fails with the fix when any of the named ports is taken. */
export async function checkPorts(ports: Record<string, number>): Promise<void> {
  for (const [name, port] of Object.entries(ports)) {
    if (!(await portIsFree(port))) {
      throw new StackError(
        `Port ${port} (${name}) is already in use: another emulator or stack may be running.`,
        `stop it (find it with: lsof -i :${port} or ss -ltnp 'sport = :${port}') and retry.`,
      );
    }
  }
}

/** The firebase-tools binary installed with the project (pinned 14.18.0). */
export function firebaseBin(): string {
  const bin = join(ROOT, "node_modules", ".bin", "firebase");
  if (!existsSync(bin)) {
    throw new StackError(
      "firebase-tools is not installed.",
      "run npm install at the repository root.",
    );
  }
  return bin;
}

/** Environment for the emulator process and everything it runs. */
export function stackEnv(notice: (line: string) => void): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ...emulatorBinaryEnv(notice),
    // The functions emulator answers malformed JSON itself; production mode hides its stack trace.
    NODE_ENV: "production",
    FIREBASE_CLI_DISABLE_UPDATE_CHECK: "true",
    FIREBASE_CLI_EXPERIMENTS: process.env.FIREBASE_CLI_EXPERIMENTS ?? "",
    // The Admin SDK probes the GCE metadata server before talking to an emulator; on the local
    // stack there is none, so skip the probe (no network attempt, no MetadataLookupWarning).
    METADATA_SERVER_DETECTION: process.env.METADATA_SERVER_DETECTION ?? "none",
    // Keep firebase-tools from reaching the network for analytics on closed machines.
    FIREBASE_CLI_PREVIEWS: process.env.FIREBASE_CLI_PREVIEWS ?? "",
    // firebase-tools gives the functions' discovery 10 s; on a loaded 2-core machine loading the
    // bundle takes longer and every function would be missing, so allow two minutes (seconds).
    FUNCTIONS_DISCOVERY_TIMEOUT: process.env.FUNCTIONS_DISCOVERY_TIMEOUT ?? "120",
  };
}

/** Prints a StackError as one line with its fix and exits; anything else is re-thrown. */
export function exitOnStackError(e: unknown): never {
  if (e instanceof StackError) {
    process.stderr.write(`dermadetect: ${e.message} Fix: ${e.fix}\n`);
    process.exit(1);
  }
  throw e;
}
