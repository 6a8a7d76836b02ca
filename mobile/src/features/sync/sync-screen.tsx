import { View } from "react-native";
import { Badge, Button, COLORS, P, Screen, Section } from "@/lib/ui/kit";
import { useStrings } from "@/lib/i18n/use-strings";
import { format } from "@/lib/i18n/strings";
import type { RejectedItem } from "./record-state";
import type { SyncSnapshot } from "./sync-engine";
import type { StorageStatus } from "@/features/photos/storage-monitor";
import { formatBytes } from "@/features/photos/storage-monitor";

/** Clock skew worth warning about (the server clamps beyond 5 minutes). */
export const SKEW_WARNING_MS = 60_000;

function time(ms: number | undefined, never: string): string {
  return ms ? new Date(ms).toLocaleString() : never;
}

/** Sync status that cannot lie: every line comes from a server receipt or the manifest check. */
export function SyncScreen({
  snapshot,
  storage,
  banner,
  onRetry,
  onFix,
  onDiscard,
  onResend,
  onExport,
  onDismiss,
  onBack,
}: {
  snapshot: SyncSnapshot;
  /** Storage used and free on the phone (photos wait here until the server has them). */
  storage?: StorageStatus;
  banner?: React.ReactNode;
  onRetry: () => void;
  onFix: (item: RejectedItem) => void;
  onDiscard: (item: RejectedItem) => void;
  /** Sends a batch that was not delivered again. */
  onResend?: (batchId: string) => void;
  /** Shares or saves a batch that was not delivered as JSON. */
  onExport?: (batchId: string) => void;
  /** Forgets a batch that was not delivered (after exporting it). */
  onDismiss?: (batchId: string) => void;
  onBack: () => void;
}) {
  const t = useStrings();
  const s = snapshot;
  const photosWaiting = s.uploads.filter((u) => u.state !== "uploaded").length;
  const c = s.completeness;
  const completeness =
    c.kind === "complete"
      ? format(t.completeComplete, { count: c.count })
      : c.kind === "incomplete"
        ? format(t.completeIncomplete, { local: c.local.count, server: c.server.count })
        : c.kind === "checking"
          ? t.completeChecking
          : t.completeUnknown;
  return (
    <Screen
      title={t.syncTitle}
      onBack={onBack}
      backLabel={t.back}
      banner={banner}
      testID="sync-screen"
    >
      <P testID="pending-records">{format(t.pendingRecords, { count: s.records.unconfirmed })}</P>
      <P testID="pending-photos">{format(t.pendingPhotos, { count: photosWaiting })}</P>
      <P testID="last-confirmed">
        {format(t.lastConfirmed, { time: time(s.lastConfirmedAt, t.never) })}
      </P>
      <P testID="last-receipt">{format(t.lastReceipt, { time: time(s.lastReceiptAt, t.never) })}</P>
      {s.clockSkewMs > SKEW_WARNING_MS && (
        <Badge
          text={format(t.clockSkew, { minutes: Math.round(s.clockSkewMs / 60_000) })}
          color={COLORS.danger}
          testID="clock-skew"
        />
      )}
      <Badge
        text={completeness}
        color={
          c.kind === "complete" ? COLORS.ok : c.kind === "incomplete" ? COLORS.danger : COLORS.muted
        }
        testID={`completeness-${c.kind}`}
      />
      <Button label={t.retry} onPress={onRetry} testID="retry" />
      {storage && (
        <Section title={t.photos}>
          <P testID="storage-usage">
            {storage.estimate
              ? format(t.storageUsage, {
                  used: formatBytes(storage.estimate.usedBytes),
                  free: formatBytes(storage.estimate.freeBytes),
                })
              : t.storageUnknown}
          </P>
          {storage.persisted !== undefined && (
            <P muted testID={`storage-persisted-${storage.persisted}`}>
              {storage.persisted ? t.storagePersisted : t.storageNotPersisted}
            </P>
          )}
        </Section>
      )}
      {s.refused.length > 0 && (
        <Section title={t.refusedTitle}>
          {s.refused.map((b) => (
            <View key={b.id} testID={`refused-${b.id}`} style={{ gap: 4 }}>
              <P>{format(t.refusedBatch, { count: b.count, code: b.code })}</P>
              <Button label={t.resend} onPress={() => onResend?.(b.id)} testID={`resend-${b.id}`} />
              <Button
                label={t.exportBatch}
                kind="secondary"
                onPress={() => onExport?.(b.id)}
                testID={`export-${b.id}`}
              />
              <Button
                label={t.dismissBatch}
                kind="danger"
                onPress={() => onDismiss?.(b.id)}
                testID={`dismiss-${b.id}`}
              />
            </View>
          ))}
        </Section>
      )}
      <Section title={t.rejectedTitle}>
        {s.records.rejected.length === 0 && <P muted>{t.noRejected}</P>}
        {s.records.rejected.map((r) => (
          <View key={`${r.batchId}/${r.id}`} testID={`rejected-${r.id}`} style={{ gap: 4 }}>
            <P>
              {r.table === "patients" ? t.patientTitle : t.caseTitle} ·{" "}
              {format(t.staterejected, { reason: r.reason })}
            </P>
            <Button
              label={t.fix}
              kind="secondary"
              onPress={() => onFix(r)}
              testID={`fix-${r.id}`}
            />
            <Button
              label={t.discard}
              kind="danger"
              onPress={() => onDiscard(r)}
              testID={`discard-${r.id}`}
            />
          </View>
        ))}
      </Section>
      <Section title={t.history}>
        {s.history.length === 0 && <P muted>{t.noHistory}</P>}
        {s.history.slice(0, 30).map((h, i) => (
          <P key={`${h.at}-${i}`} muted>
            {new Date(h.at).toLocaleTimeString()} · {t[`hist_${h.kind}`]}
            {h.detail ? ` · ${h.detail}` : ""}
          </P>
        ))}
      </Section>
    </Screen>
  );
}
