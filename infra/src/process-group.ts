import { spawn } from "node:child_process";
import type { ChildProcess, SpawnOptions } from "node:child_process";

/**
 * Spawns a command as the leader of its own process group, so the whole tree it starts (the
 * firebase CLI, its JVMs and function workers) can be stopped together.
 */
export function spawnGroup(cmd: string, args: string[], opts: SpawnOptions): ChildProcess {
  return spawn(cmd, args, { ...opts, detached: true });
}

/** Sends a signal to a process group, ignoring groups that are already gone. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: already exited.
  }
}

/** Asks the group to stop (SIGINT, as Ctrl-C would), then kills it after `graceMs`. */
export async function stopGroup(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    signalGroup(child, "SIGKILL");
    return;
  }
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  signalGroup(child, "SIGINT");
  const timer = setTimeout(() => signalGroup(child, "SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
  // Anything the CLI left behind in its group (a JVM that ignored SIGINT) goes too.
  signalGroup(child, "SIGKILL");
}
