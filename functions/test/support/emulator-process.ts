import { readFileSync, readdirSync, readlinkSync } from "node:fs";

/*
 * Fault injection on the local stack: find the JVM of an emulator (Firestore, Pub/Sub) by the
 * port it listens on and freeze it (SIGSTOP) and thaw it (SIGCONT). A frozen emulator keeps its
 * data, so "stopped and restarted" can be checked against a model of acknowledged writes (a
 * killed emulator loses everything it held in memory, which no client could survive).
 * Linux only (/proc). It refuses any process that is not part of this test run's own stack.
 */

function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      // cols[1] local address "IP:PORT", cols[3] state (0A = LISTEN), cols[9] inode.
      if (cols[1]?.endsWith(`:${hexPort}`) && cols[3] === "0A" && cols[9]) inodes.add(cols[9]);
    }
  }
  return inodes;
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces; fields after its closing paren are plain.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(rest[1]);
  } catch {
    return undefined;
  }
}

function ancestors(pid: number): number[] {
  const out: number[] = [];
  for (let p = parentOf(pid); p !== undefined && p > 1; p = parentOf(p)) out.push(p);
  return out;
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
  } catch {
    return "";
  }
}

/**
 * The pid of the process listening on `port`, provided it descends from the same
 * `firebase emulators:exec` as this test process (so only our own stack is ever touched).
 */
export function emulatorPid(port: number): number {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) throw new Error(`nothing listens on port ${port}`);
  let found: number | undefined;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${entry}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (m?.[1] && inodes.has(m[1])) found = Number(entry);
    }
    if (found !== undefined) break;
  }
  if (found === undefined) throw new Error(`no visible process owns port ${port}`);
  const ours = ancestors(process.pid).find((p) => /emulators:exec/.test(cmdline(p)));
  if (ours === undefined || !ancestors(found).includes(ours)) {
    throw new Error(`port ${port} is not served by this test run's emulator stack`);
  }
  return found;
}

/** A frozen emulator; `thaw` is idempotent and safe to call from `afterEach`. */
export interface Frozen {
  pid: number;
  thaw(): void;
}

/** Freezes the emulator listening on `port` (SIGSTOP) until `thaw` (SIGCONT). */
export function freezeEmulator(port: number): Frozen {
  const pid = emulatorPid(port);
  let frozen = true;
  const thaw = () => {
    if (!frozen) return;
    frozen = false;
    process.removeListener("exit", thaw);
    process.kill(pid, "SIGCONT");
  };
  // Never leave the stack frozen, even when the test process dies mid-test.
  process.once("exit", thaw);
  process.kill(pid, "SIGSTOP");
  return { pid, thaw };
}
