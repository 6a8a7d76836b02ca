import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import { Share, View } from "react-native";
import type { RiskLevel, TriageData } from "@dermadetect/contract";
import { LanguageProvider } from "@/lib/i18n/use-strings";
import { newId } from "@/lib/ids";
import type { AuthUser } from "@/lib/firebase/auth-port";
import { SignInScreen } from "@/features/auth/sign-in-screen";
import { UploadQueue } from "@/features/photos/upload-queue";
import { StorageMonitor } from "@/features/photos/storage-monitor";
import type { StorageStatus } from "@/features/photos/storage-monitor";
import { StorageNotice, UpdateNotice } from "@/features/sync/components/app-notices";
import type { UpdateState } from "./app-updates";
import type { CapturedPhoto } from "@/features/photos/photo";
import { SyncEngine } from "@/features/sync/sync-engine";
import type { SyncSnapshot } from "@/features/sync/sync-engine";
import type { RejectedItem } from "@/features/sync/record-state";
import { NetworkBanner } from "@/features/sync/components/network-banner";
import { SyncScreen } from "@/features/sync/sync-screen";
import { PatientListScreen } from "@/features/records/patient-list-screen";
import { PatientFormScreen } from "@/features/records/patient-form-screen";
import { PatientScreen } from "@/features/records/patient-screen";
import { NewCaseScreen } from "@/features/cases/new-case-screen";
import { CaseDetailScreen } from "@/features/cases/case-detail-screen";
import type { AppServices } from "./services";

/** The screens, as a stack of routes (no native navigation library needed). */
export type Route =
  | { name: "patients" }
  | { name: "patient"; id: string }
  | { name: "patient-form"; id?: string }
  | { name: "new-case"; patientId: string }
  | { name: "case"; id: string }
  | { name: "sync" };

const DEVICE_KEY = "device:id";

async function deviceId(services: AppServices): Promise<string> {
  const have = await services.kv.getItem(DEVICE_KEY);
  if (have) return have;
  const id = `dev-${newId()}`;
  await services.kv.setItem(DEVICE_KEY, id);
  return id;
}

/** The app: sign-in until a CHW is signed in, then the screens over one sync engine. */
export function App({ services }: { services: AppServices }) {
  const [user, setUser] = useState<AuthUser | null | undefined>(undefined);
  const [engine, setEngine] = useState<SyncEngine | undefined>();

  useEffect(() => services.auth.onUserChanged(setUser), [services]);

  useEffect(() => {
    if (!user || user.role !== "chw") return undefined;
    let cancelled = false;
    let created: SyncEngine | undefined;
    void deviceId(services).then(async (device) => {
      if (cancelled) return;
      const uploads = new UploadQueue({
        kv: services.kv,
        photos: services.photos,
        requestUpload: (caseId, image) => services.api.requestImageUpload(caseId, image),
        put: (g, b, ct) => services.put(g, b, ct),
        now: Date.now,
        schedule: (fn, ms) => {
          const timer = setTimeout(fn, ms);
          return () => clearTimeout(timer);
        },
      });
      created = new SyncEngine(
        {
          chwId: user.uid,
          deviceId: device,
          ...(user.authTime !== undefined && { authTime: user.authTime }),
        },
        { firestore: services.firestore, kv: services.kv, uploads, now: Date.now, newId },
      );
      await created.start();
      if (!cancelled) setEngine(created);
    });
    return () => {
      cancelled = true;
      created?.stop();
      setEngine(undefined);
    };
  }, [services, user]);

  useEffect(() => {
    if (!engine) return undefined;
    return services.network.subscribe((online) => engine.setOnline(online));
  }, [engine, services]);

  return (
    <LanguageProvider language={services.language}>
      {user && user.role === "chw" && engine ? (
        <SignedIn engine={engine} services={services} />
      ) : (
        <SignInScreen onSignIn={(e, p) => services.auth.signIn(e, p)} />
      )}
    </LanguageProvider>
  );
}

/**
 * Hands a batch that was not delivered to the platform's share sheet (save to a file, send to a
 * supervisor): the records leave the phone as JSON even if they never reach the server.
 */
async function exportBatch(engine: SyncEngine, batchId: string): Promise<void> {
  const json = engine.exportBatch(batchId);
  if (json === undefined) return;
  try {
    await Share.share({ title: `dermadetect-batch-${batchId}.json`, message: json });
  } catch {
    // No share sheet (some browsers): the batch stays on the phone, listed with its buttons.
  }
}

/** Routes that hold a form the CHW is filling in: an update never reloads over them. */
const FORM_ROUTES: ReadonlySet<Route["name"]> = new Set(["patient-form", "new-case"]);

function useUpdateState(services: AppServices): UpdateState {
  const [state, setState] = useState<UpdateState>("none");
  useEffect(() => services.updates?.subscribe(setState), [services]);
  return state;
}

function SignedIn({ engine, services }: { engine: SyncEngine; services: AppServices }) {
  const snapshot = useSyncExternalStore(engine.subscribe, engine.getSnapshot);
  const monitor = useMemo(() => new StorageMonitor(services.storage), [services]);
  useEffect(() => monitor.start(), [monitor]);
  const storage = useSyncExternalStore(monitor.subscribe, monitor.getSnapshot);
  // Uploaded photos leave the phone: fewer photos queued means space was freed.
  const queued = snapshot.uploads.length;
  const lastQueued = useRef(queued);
  useEffect(() => {
    if (queued < lastQueued.current) monitor.spaceFreed();
    lastQueued.current = queued;
  }, [queued, monitor]);
  const update = useUpdateState(services);
  const [stack, setStack] = useState<Route[]>([{ name: "patients" }]);
  const route = stack[stack.length - 1] ?? { name: "patients" };
  const push = (r: Route) => setStack((s) => [...s, r]);
  const back = () => setStack((s) => (s.length > 1 ? s.slice(0, -1) : s));
  const replace = (r: Route) => setStack((s) => [...s.slice(0, -1), r]);
  // The banners sit above every screen: offline and storage must be visible wherever the CHW is.
  return (
    <View style={{ flex: 1 }}>
      <NetworkBanner online={snapshot.online} />
      <StorageNotice status={storage} />
      <UpdateNotice
        state={update}
        formOpen={FORM_ROUTES.has(route.name)}
        onApply={() => void services.updates?.apply()}
      />
      <RouteScreen
        route={route}
        snapshot={snapshot}
        engine={engine}
        services={services}
        monitor={monitor}
        storage={storage}
        push={push}
        back={back}
        replace={replace}
      />
    </View>
  );
}

function RouteScreen({
  route,
  snapshot,
  engine,
  services,
  monitor,
  storage,
  push,
  back,
  replace,
}: {
  route: Route;
  snapshot: SyncSnapshot;
  engine: SyncEngine;
  services: AppServices;
  monitor: StorageMonitor;
  storage: StorageStatus;
  push: (r: Route) => void;
  back: () => void;
  replace: (r: Route) => void;
}) {
  const { patients, cases } = snapshot.records;

  const fix = (item: RejectedItem) => {
    if (item.table === "patients") return push({ name: "patient-form", id: item.id });
    // A case is resent as it was (a newer timestamp); its content is fixed on the patient side.
    const c = cases.find((v) => v.record.id === item.id)?.record;
    if (c) void engine.saveCase({ ...c });
  };

  switch (route.name) {
    case "patients":
      return (
        <PatientListScreen
          patients={patients}
          waiting={
            snapshot.records.unconfirmed +
            snapshot.uploads.filter((u) => u.state !== "uploaded").length
          }
          onOpen={(id) => push({ name: "patient", id })}
          onNew={() => push({ name: "patient-form" })}
          onOpenSync={() => push({ name: "sync" })}
          onSignOut={() => void services.auth.signOut()}
        />
      );
    case "patient-form": {
      const initial = route.id ? patients.find((p) => p.record.id === route.id)?.record : undefined;
      return (
        <PatientFormScreen
          {...(initial && { initial })}
          onCancel={back}
          onSave={(demographics) => {
            const r = engine.savePatient({ demographics, ...(route.id && { id: route.id }) });
            if (r.kind !== "ok") return false;
            replace({ name: "patient", id: r.id });
            return true;
          }}
        />
      );
    }
    case "patient": {
      const patient = patients.find((p) => p.record.id === route.id);
      if (!patient)
        return (
          <PatientListScreen
            patients={patients}
            waiting={0}
            onOpen={(id) => push({ name: "patient", id })}
            onNew={() => push({ name: "patient-form" })}
            onOpenSync={() => push({ name: "sync" })}
            onSignOut={() => void services.auth.signOut()}
          />
        );
      return (
        <PatientScreen
          patient={patient}
          cases={cases.filter((c) => c.record.patient_id === route.id)}
          onBack={back}
          onEdit={() => push({ name: "patient-form", id: route.id })}
          onNewCase={() => push({ name: "new-case", patientId: route.id })}
          onOpenCase={(id) => push({ name: "case", id })}
        />
      );
    }
    case "new-case": {
      const patient = patients.find((p) => p.record.id === route.patientId)?.record;
      if (!patient) return null;
      return (
        <NewCaseScreen
          patient={patient}
          photoSource={services.photoSource}
          symptomCodes={services.symptomCodes}
          dangerSignCodes={services.dangerSignCodes}
          assess={services.assess}
          checkPhotoSpace={async (bytes) => {
            void monitor.requestPersistence();
            return monitor.verdictFor(bytes);
          }}
          onCancel={back}
          onSave={async (
            c: { triage_data: TriageData; risk_level: RiskLevel },
            photos: CapturedPhoto[],
          ) => {
            const r = await engine.saveCase(
              {
                patient_id: patient.id,
                triage_data: c.triage_data,
                risk_level: c.risk_level,
                images: photos.map((p) => ({
                  sha256: p.sha256,
                  content_type: p.contentType,
                  bytes: p.bytes.length,
                })),
              },
              photos.map((p) => ({ sha256: p.sha256, contentType: p.contentType, bytes: p.bytes })),
            );
            if (r.kind === "photos-not-stored" && r.failed.some((f) => f.code === "STORAGE_FULL"))
              monitor.reportRefused();
            void monitor.refresh();
            if (r.kind === "ok") replace({ name: "case", id: r.id });
            return r;
          }}
        />
      );
    }
    case "case": {
      const view = cases.find((c) => c.record.id === route.id);
      if (!view) return null;
      const patientName =
        patients.find((p) => p.record.id === view.record.patient_id)?.record.demographics.name ??
        "";
      const rejected = snapshot.records.rejected.find((r) => r.id === route.id);
      return (
        <CaseDetailScreen
          view={view}
          patientName={patientName}
          uploads={snapshot.uploads.filter((u) => u.caseId === route.id)}
          onBack={back}
          onFix={() => rejected && fix(rejected)}
          onDiscard={() => rejected && void engine.discard(rejected)}
          onAnswer={(text) => {
            // An edit of the case answers the doctor's request (the server marks it answered).
            const notes = view.record.triage_data.notes;
            void engine.saveCase({
              ...view.record,
              triage_data: {
                ...view.record.triage_data,
                // The contract bounds notes at 2000 characters.
                notes: (notes ? `${notes}\n${text}` : text).slice(0, 2000),
              },
            });
          }}
          onAddPhoto={async () => {
            const p = await services.photoSource.capture();
            if (!p) return { kind: "cancelled" };
            void monitor.requestPersistence();
            if ((await monitor.verdictFor(p.bytes.length)) === "full")
              return { kind: "storage-full" };
            const r = await engine.saveCase(
              {
                ...view.record,
                images: [
                  ...(view.record.images ?? []),
                  { sha256: p.sha256, content_type: p.contentType, bytes: p.bytes.length },
                ],
              },
              [{ sha256: p.sha256, contentType: p.contentType, bytes: p.bytes }],
            );
            void monitor.refresh();
            if (r.kind === "ok") return { kind: "added" };
            const code = r.kind === "photos-not-stored" ? r.failed[0]?.code : undefined;
            if (code === "STORAGE_FULL") monitor.reportRefused();
            return { kind: "not-stored", code: code ?? "STORAGE_FAILED" };
          }}
        />
      );
    }
    case "sync":
      return (
        <SyncScreen
          snapshot={snapshot}
          storage={storage}
          onBack={back}
          onRetry={() => void engine.retry()}
          onFix={fix}
          onDiscard={(item) => void engine.discard(item)}
          onResend={(id) => void engine.resend(id)}
          onExport={(id) => void exportBatch(engine, id)}
          onDismiss={(id) => void engine.dismiss(id)}
        />
      );
  }
}
