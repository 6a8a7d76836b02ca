import { newId } from "@/lib/ids";
import { adminDb, closeAdmin, createUser, until } from "@/test-support/emulator";
import { EngineHarness } from "@/test-support/engine";
import { memoryStore } from "@/lib/storage/key-value-store";
import type { KeyValueStore } from "@/lib/storage/key-value-store";
import type { TestAccount } from "@/test-support/engine";
import type { SyncEngine, SyncSnapshot } from "./sync-engine";
import type { RecordState } from "./record-state";

/*
 * The data layer against the emulators (Firestore, Auth, Functions with applySync), through
 * the Firebase JS SDK behind the same port the app uses on device. Each test signs in a fresh
 * CHW, so tests share no data and pass twice in a row.
 */

const harness = new EngineHarness();
const engineFor = (user: TestAccount, repullDelayMs?: number) =>
  harness.engineFor(user, { repullDelayMs });

function waitFor(engine: SyncEngine, predicate: (s: SyncSnapshot) => boolean, what: string) {
  return until(engine.subscribe, engine.getSnapshot, predicate, what);
}

const stateOf = (s: SyncSnapshot, id: string): RecordState["kind"] | undefined =>
  (
    s.records.patients.find((p) => p.record.id === id) ??
    s.records.cases.find((c) => c.record.id === id)
  )?.state.kind;

const demographics = (name: string) => ({
  name,
  sex: "female" as const,
  age_years: 34,
  village: "Kisumu",
});

afterEach(() => harness.stopAll());
afterAll(closeAdmin);

describe("sync engine on the emulators", () => {
  it("does not re-pull the whole scope when a mismatch is only the listeners arriving apart", async () => {
    const chw = await createUser("chw");
    const { engine } = await engineFor(chw, 4000);
    await waitFor(engine, (s) => s.completeness.kind === "complete", "empty scope complete");
    const ids: string[] = [];
    for (const name of ["Atieno", "Baraka", "Chebet"]) {
      const r = engine.savePatient({ demographics: demographics(name) });
      if (r.kind === "ok") ids.push(r.id);
    }
    await waitFor(
      engine,
      (s) =>
        ids.every((id) => stateOf(s, id) === "applied") &&
        s.completeness.kind === "complete" &&
        s.completeness.count === 3,
      "three patients applied and complete",
    );
    // Past the re-pull delay: a re-pull reads every record of the scope from the server, so
    // one may only run when the mismatch outlived the delay.
    await new Promise((r) => setTimeout(r, 5000));
    expect(engine.getSnapshot().history.filter((h) => h.kind === "repull")).toEqual([]);
    expect(engine.getSnapshot().completeness.kind).toBe("complete");
  });

  it("offline: saves are pending at once, then applied after the network returns, with the manifest complete", async () => {
    const chw = await createUser("chw");
    const { engine, firestore } = await engineFor(chw);
    await waitFor(engine, (s) => s.completeness.kind === "complete", "empty scope complete");

    await firestore.setNetworkEnabled(false);
    const seen = new Map<string, RecordState["kind"][]>();
    const record = () => {
      for (const v of [
        ...engine.getSnapshot().records.patients,
        ...engine.getSnapshot().records.cases,
      ]) {
        const states = seen.get(v.record.id) ?? [];
        if (states[states.length - 1] !== v.state.kind)
          seen.set(v.record.id, [...states, v.state.kind]);
      }
    };
    const stopRecording = engine.subscribe(record);

    const patient = engine.savePatient({ demographics: demographics("Achieng") });
    expect(patient.kind).toBe("ok");
    if (patient.kind !== "ok") return;
    const kase = await engine.saveCase({
      patient_id: patient.id,
      risk_level: "RED",
      images: [],
      triage_data: {
        body_site: "left forearm",
        duration_days: 30,
        symptoms: ["itch"],
        danger_signs: ["bleeding"],
      },
    });
    if (kase.kind !== "ok") throw new Error("case not saved");
    // Answered offline (only the photo store is awaited, never the Firestore write), and visible
    // at once as pending.
    const now = engine.getSnapshot();
    expect(stateOf(now, patient.id)).toBe("pending");
    expect(stateOf(now, kase.id)).toBe("pending");
    expect(now.records.unconfirmed).toBe(2);

    // Still offline a moment later: nothing may claim more than "pending".
    await new Promise((r) => setTimeout(r, 1500));
    expect(stateOf(engine.getSnapshot(), patient.id)).toBe("pending");
    expect(engine.getSnapshot().lastReceiptAt).toBeUndefined();

    await firestore.setNetworkEnabled(true);
    await waitFor(
      engine,
      (s) => stateOf(s, patient.id) === "applied" && stateOf(s, kase.id) === "applied",
      "both records applied",
    );
    const done = await waitFor(
      engine,
      (s) =>
        s.completeness.kind === "complete" &&
        s.completeness.count === 2 &&
        s.records.unconfirmed === 0,
      "complete",
    );
    stopRecording();
    expect(done.completeness.kind === "complete" && done.completeness.count).toBe(2);
    expect(done.lastReceiptAt).toEqual(expect.any(Number));
    expect(done.lastConfirmedAt).toEqual(expect.any(Number));
    // States only ever moved forward: pending → (uploaded) → applied.
    for (const id of [patient.id, kase.id]) {
      const states = seen.get(id) ?? [];
      expect(["pending,applied", "pending,uploaded,applied"]).toContain(states.join(","));
    }
    expect(done.history.some((h) => h.kind === "batch-applied")).toBe(true);
  });

  it("saves made offline leave as one batch when the network returns, and held saves survive a restart", async () => {
    const chw = await createUser("chw");
    const kv = memoryStore();
    const batchesOnServer = async () =>
      (await adminDb().collection("syncBatches").where("chw_id", "==", chw.uid).get()).docs.map(
        (d) => d.data() as { changes: { patients?: unknown[]; cases?: unknown[] } },
      );
    const first = await harness.engineFor(chw, { kv });
    await waitFor(first.engine, (s) => s.completeness.kind === "complete", "empty scope complete");

    first.engine.setOnline(false);
    await first.firestore.setNetworkEnabled(false);
    const a = first.engine.savePatient({ demographics: demographics("Awino") });
    const b = first.engine.savePatient({ demographics: demographics("Bahati") });
    if (a.kind !== "ok" || b.kind !== "ok") throw new Error("not saved");
    expect(first.engine.getSnapshot().records.unconfirmed).toBe(2);
    await first.firestore.setNetworkEnabled(true);
    first.engine.setOnline(true);
    await waitFor(
      first.engine,
      (s) => stateOf(s, a.id) === "applied" && stateOf(s, b.id) === "applied",
      "both offline patients applied",
    );
    const afterFirst = await batchesOnServer();
    expect(afterFirst).toHaveLength(1);
    expect(afterFirst[0]!.changes.patients).toHaveLength(2);

    // Offline again: a case and an edit, then the app is closed before the network returns.
    first.engine.setOnline(false);
    const c = await first.engine.saveCase({
      patient_id: a.id,
      risk_level: "GREEN",
      images: [],
      triage_data: { body_site: "ankle", duration_days: 3, symptoms: ["itch"], danger_signs: [] },
    });
    const edit = first.engine.savePatient({
      id: a.id,
      demographics: { ...demographics("Awino"), village: "Siaya" },
    });
    if (c.kind !== "ok" || edit.kind !== "ok") throw new Error("not saved");
    expect(stateOf(first.engine.getSnapshot(), c.id)).toBe("pending");
    // Held on the device, not in the SDK's queue: nothing has left yet.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await batchesOnServer()).toHaveLength(1);
    first.engine.stop();

    const second = await harness.engineFor(chw, { kv });
    await waitFor(
      second.engine,
      (s) =>
        stateOf(s, c.id) === "applied" &&
        s.records.patients.some(
          (p) => p.record.id === a.id && p.record.demographics.village === "Siaya",
        ) &&
        s.records.unconfirmed === 0,
      "the held case and edit applied after the restart",
    );
    const all = await batchesOnServer();
    expect(all).toHaveLength(2);
    const held = all.find((x) => x.changes.cases !== undefined)!;
    expect(held.changes.cases).toHaveLength(1);
    expect(held.changes.patients).toHaveLength(1);
  });

  it("a case saved offline is answered only once the device's copy is on disk", async () => {
    const chw = await createUser("chw");
    const disk = new Map<string, string>();
    const inner = memoryStore(disk);
    // The device's copies are written slowly (a busy phone): the write waits for `release`.
    let release = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let gated = false;
    const kv: KeyValueStore = {
      ...inner,
      setItem: async (k, v) => {
        if (k === "sync:outbox" && gated) await gate;
        return inner.setItem(k, v);
      },
    };
    const { engine } = await harness.engineFor(chw, { kv });
    await waitFor(engine, (s) => s.completeness.kind === "complete", "empty scope complete");
    engine.setOnline(false);
    gated = true;
    let answered = false;
    const saving = engine
      .saveCase({
        patient_id: newId(),
        risk_level: "RED",
        images: [],
        triage_data: { body_site: "shin", duration_days: 5, symptoms: [], danger_signs: [] },
      })
      .then((r) => {
        answered = true;
        return r;
      });
    await new Promise((r) => setTimeout(r, 500));
    // "Saved" would be a promise the disk does not keep yet: a tab closed now would lose it.
    expect(answered).toBe(false);
    expect(disk.has("sync:outbox")).toBe(false);
    release();
    const result = await saving;
    if (result.kind !== "ok") throw new Error(`not saved: ${result.kind}`);
    const copies = JSON.parse(disk.get("sync:outbox") ?? "[]") as {
      held?: boolean;
      changes: { cases?: { id: string }[] };
    }[];
    expect(copies.filter((e) => e.held).map((e) => e.changes.cases?.[0]?.id)).toEqual([result.id]);
  });

  it("a rejected record is shown with its reason and blocks nothing else; discarding clears it", async () => {
    const other = await createUser("chw");
    const chw = await createUser("chw");
    const { engine: otherEngine } = await engineFor(other);
    const taken = otherEngine.savePatient({ demographics: demographics("Other CHW's patient") });
    if (taken.kind !== "ok") throw new Error("not saved");
    await waitFor(
      otherEngine,
      (s) => stateOf(s, taken.id) === "applied",
      "other CHW's patient applied",
    );

    const { engine } = await engineFor(chw);
    // Same id as another CHW's patient: passes the device's checks, refused by the server.
    const bad = engine.savePatient({ id: taken.id, demographics: demographics("Collision") });
    const good = engine.savePatient({ demographics: demographics("Wanjiru") });
    if (bad.kind !== "ok" || good.kind !== "ok") throw new Error("not saved");

    const s = await waitFor(
      engine,
      (v) => stateOf(v, good.id) === "applied" && stateOf(v, bad.id) === "rejected",
      "good applied, bad rejected",
    );
    expect(s.records.rejected).toHaveLength(1);
    expect(s.records.rejected[0]).toMatchObject({
      id: taken.id,
      table: "patients",
      reason: "NOT_OWNER",
    });
    expect(s.records.unconfirmed).toBe(0);

    const later = engine.savePatient({ demographics: demographics("Nafula") });
    if (later.kind !== "ok") throw new Error("not saved");
    await waitFor(
      engine,
      (v) => stateOf(v, later.id) === "applied",
      "a later save still goes through",
    );

    const item = engine.getSnapshot().records.rejected[0];
    if (!item) throw new Error("rejected item missing");
    await engine.discard(item);
    const after = engine.getSnapshot();
    expect(after.records.rejected).toHaveLength(0);
    expect(after.records.patients.map((p) => p.record.demographics.name).sort()).toEqual([
      "Nafula",
      "Wanjiru",
    ]);
  });

  it("reports incomplete when what the device holds disagrees with the server's manifest", async () => {
    const chw = await createUser("chw");
    const { engine } = await engineFor(chw);
    const p = engine.savePatient({ demographics: demographics("Auma") });
    if (p.kind !== "ok") throw new Error("not saved");
    await waitFor(
      engine,
      (s) => s.completeness.kind === "complete" && s.records.unconfirmed === 0,
      "complete",
    );
    expect(await engine.fullRepull()).toMatchObject({ kind: "complete", count: 1 });

    // A record written around the scope writer (no manifest update): the device now holds
    // something the server's manifest does not account for, and must say so.
    await adminDb()
      .doc(`patients/rogue-${newId()}`)
      .set({
        id: "rogue",
        chw_id: chw.uid,
        server_seq: 999,
        demographics: demographics("Not in the manifest"),
        last_modified_at: Date.now(),
      });
    const s = await waitFor(engine, (v) => v.completeness.kind === "incomplete", "incomplete");
    expect(s.completeness).toMatchObject({
      kind: "incomplete",
      local: { count: 2 },
      server: { count: 1 },
    });
    expect(s.history.some((h) => h.kind === "incomplete")).toBe(true);
  });

  it("attaches its listeners again after the rules refused them, and shows what the server has once they allow it", async () => {
    const chw = await createUser("chw");
    const account = adminDb().doc(`users/${chw.uid}`);
    await account.set({ role: "chw", display_name: "L", email: chw.email, disabled: true });
    const { engine } = await harness.engineFor(chw, { listenerRetryMs: 300 });
    // While the account is disabled the rules deny every listener; the SDK ends each for good.
    await waitFor(
      engine,
      (s) => s.history.some((h) => h.kind === "listener-error" && h.detail?.startsWith("patients")),
      "the patients listener refused",
    );
    const id = `p-${newId()}`;
    await adminDb()
      .doc(`patients/${id}`)
      .set({
        id,
        chw_id: chw.uid,
        server_seq: 1,
        demographics: demographics("Seen after the refusal"),
        last_modified_at: Date.now(),
      });
    await account.set({ disabled: false }, { merge: true });
    // Without a new listener the list would stay empty until the app restarts.
    const s = await waitFor(
      engine,
      (v) => v.records.patients.some((p) => p.record.id === id),
      "the server's patient shown through a re-attached listener",
    );
    expect(s.history.filter((h) => h.kind === "listener-error").length).toBeGreaterThan(0);
    expect(s.history.find((h) => h.kind === "listener-error")?.detail).toMatch(/retrying in \d+ s/);
  });
});
