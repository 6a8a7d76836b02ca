import { spawnGroup, stopGroup } from "./process-group";
import { LOCAL_SERVICES, startLocalServices } from "./services";
import {
  PORTS,
  PROJECT_ID,
  ROOT,
  checkJava,
  checkPorts,
  exitOnStackError,
  firebaseBin,
  stackEnv,
} from "./stack";

/**
 * Runs a command under `firebase emulators:exec` with the same emulator set-up as `npm start`:
 *   node --import tsx infra/src/exec.ts --only firestore,auth -- mocha --config …
 * Exits with the command's exit code; every process it started is stopped first.
 */
async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const sep = argv.indexOf("--");
  const onlyIdx = argv.indexOf("--only");
  const only = onlyIdx >= 0 ? argv[onlyIdx + 1] : undefined;
  if (sep < 0 || !only) {
    process.stderr.write("usage: exec.ts --only <emulators> -- <command…>\n");
    process.exit(2);
  }
  const command = argv
    .slice(sep + 1)
    .map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`))
    .join(" ");
  checkJava();
  const bin = firebaseBin();
  const wanted = only.split(",");
  const ports = Object.fromEntries(
    Object.entries(PORTS).filter(
      ([name]) =>
        wanted.includes(name) ||
        ["hub", "logging", "eventarc", "tasks", "firestoreWebsocket"].includes(name),
    ),
  );
  const services = wanted.includes("functions") ? LOCAL_SERVICES : [];
  await checkPorts({ ...ports, ...Object.fromEntries(services.map((s) => [s.name, s.port])) });
  const env = stackEnv((line) => process.stderr.write(`dermadetect: ${line}\n`));
  const stopServices = await startLocalServices(services);
  const child = spawnGroup(
    bin,
    ["emulators:exec", "--project", PROJECT_ID, "--only", only, command],
    { cwd: ROOT, env, stdio: "inherit" },
  );
  const forward = () => void stopGroup(child);
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  const code = await new Promise<number>((resolve) =>
    child.once("exit", (c, signal) => resolve(c ?? (signal ? 1 : 0))),
  );
  await stopGroup(child);
  await stopServices();
  process.exit(code);
}

main().catch(exitOnStackError);
