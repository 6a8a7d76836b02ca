// Measures what the rules' account check (`accountActive()`, a get() of users/{uid}) costs in
// the Firestore emulator: the latency of a CHW's document get and list query with the deployed
// firestore.rules against the same rules with the check replaced by `true`, interleaved in one
// run. The emulator does not bill; the billing side is documented in
// docs/decisions/2026-11-access-control.md. Run inside a network namespace with nothing else on
// the Firestore port:
//   node --import tsx infra/src/exec.ts --only firestore -- node --import tsx functions/test/rules/measure-account-check.ts
import { initializeTestEnvironment } from "@firebase/rules-unit-testing";
import type { RulesTestEnvironment } from "@firebase/rules-unit-testing";
import { collection, doc, getDoc, getDocs, query, setDoc, where } from "firebase/firestore";
import type { Firestore } from "firebase/firestore";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PORTS, ROOT } from "../../../infra/src/stack";

const ROUNDS = Number(process.env.ROUNDS ?? 200);
const deployed = readFileSync(join(ROOT, "firestore.rules"), "utf8");
const withoutCheck = deployed.replace(
  /function accountActive\(\) \{[\s\S]*?\n    \}/,
  "function accountActive() {\n      return true;\n    }",
);
if (withoutCheck === deployed) throw new Error("accountActive() not found in firestore.rules");

async function env(projectId: string, rules: string): Promise<RulesTestEnvironment> {
  const e = await initializeTestEnvironment({
    projectId,
    firestore: { rules, host: "127.0.0.1", port: PORTS.firestore },
  });
  await e.withSecurityRulesDisabled(async (ctx) => {
    const db = ctx.firestore() as unknown as Firestore;
    await setDoc(doc(db, "users/chw-m"), { role: "chw", disabled: false });
    for (let i = 0; i < 20; i++) {
      await setDoc(doc(db, `patients/p-${i}`), { id: `p-${i}`, chw_id: "chw-m" });
    }
  });
  return e;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

async function main(): Promise<void> {
  const runs = {
    with: await env("demo-rules-cost-with", deployed),
    without: await env("demo-rules-cost-without", withoutCheck),
  };
  const dbs = {
    with: runs.with
      .authenticatedContext("chw-m", { role: "chw" })
      .firestore() as unknown as Firestore,
    without: runs.without
      .authenticatedContext("chw-m", { role: "chw" })
      .firestore() as unknown as Firestore,
  };
  const t: Record<string, number[]> = {
    "get with": [],
    "get without": [],
    "list with": [],
    "list without": [],
  };
  const time = async (key: string, op: () => Promise<unknown>) => {
    const start = performance.now();
    await op();
    t[key]!.push(performance.now() - start);
  };
  // Warm-up, then interleaved so load on the machine hits both sides alike.
  for (const k of ["with", "without"] as const) {
    await getDoc(doc(dbs[k], "patients/p-0"));
  }
  for (let i = 0; i < ROUNDS; i++) {
    for (const k of ["with", "without"] as const) {
      await time(`get ${k}`, () => getDoc(doc(dbs[k], `patients/p-${i % 20}`)));
      await time(`list ${k}`, () =>
        getDocs(query(collection(dbs[k], "patients"), where("chw_id", "==", "chw-m"))),
      );
    }
  }
  for (const [k, xs] of Object.entries(t)) {
    console.log(
      `${k.padEnd(13)} n=${xs.length} p50=${pct(xs, 50).toFixed(1)} ms p95=${pct(xs, 95).toFixed(1)} ms`,
    );
  }
  await runs.with.cleanup();
  await runs.without.cleanup();
}

void main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
