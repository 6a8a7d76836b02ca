import { StyleSheet, Text, View } from "react-native";
import { KNOWN_TRIAGE_DATA, OtherDetails } from "@/features/records/other-details";
import { Badge, Button, COLORS, P, Screen, Section } from "@/lib/ui/kit";
import { useStrings } from "@/lib/i18n/use-strings";
import { format } from "@/lib/i18n/strings";
import type { StringKey } from "@/lib/i18n/strings";
import type { CaseView } from "@/features/sync/record-state";
import type { UploadEntry } from "@/features/photos/upload-queue";
import { RiskBadge, StateBadge } from "@/features/records/state-badge";

/** One step of the case timeline. */
export interface TimelineStep {
  key: "stepSaved" | "stepUploaded" | "stepAnalysed" | "stepDiagnosed";
  done: boolean;
  at?: number;
}

/** The timeline saved → uploaded → analysed → diagnosed, from receipts and server fields only. */
export function caseTimeline(c: CaseView): TimelineStep[] {
  const reached =
    ["applied", "analysed", "diagnosed"].includes(c.state.kind) ||
    c.server.server_seq !== undefined;
  const diagnosis = c.diagnoses[0];
  return [
    { key: "stepSaved", done: true, at: c.record.last_modified_at },
    {
      key: "stepUploaded",
      done: reached,
      at: c.server.timeline?.synced_at ?? c.server.server_updated_at,
    },
    {
      key: "stepAnalysed",
      done: c.server.ai_analysis !== undefined,
      at: c.server.timeline?.analysed_at,
    },
    {
      key: "stepDiagnosed",
      done: c.server.status === "DIAGNOSED" || diagnosis !== undefined,
      at: c.server.timeline?.diagnosed_at ?? diagnosis?.created_at,
    },
  ];
}

/** What to show for one image: the server's state once it has one, else the local queue's. */
export function imageState(
  sha256: string,
  server: CaseView["server"]["images"],
  local: UploadEntry | undefined,
): { state: string; reason?: string } {
  const s = server?.find((i) => i.sha256 === sha256);
  if (s?.state && s.state !== "queued")
    return { state: s.state, ...(s.reason && { reason: s.reason }) };
  if (local) return { state: local.state, ...(local.lastError && { reason: local.lastError }) };
  return { state: "queued" };
}

interface Findings {
  differential?: { condition: string; likelihood: string }[];
  urgency?: string;
  recommended_action?: string;
  red_flags?: string[];
}

function time(ms: number | undefined): string {
  return ms ? new Date(ms).toLocaleString() : "";
}

/** A case with its progress, photos, AI analysis and diagnosis. */
export function CaseDetailScreen({
  view,
  patientName,
  uploads,
  onFix,
  onDiscard,
  onBack,
}: {
  view: CaseView;
  patientName: string;
  uploads: UploadEntry[];
  onFix: () => void;
  onDiscard: () => void;
  onBack: () => void;
}) {
  const t = useStrings();
  const ai = view.server.ai_analysis as
    { findings?: Findings; disclaimer?: string; fixture?: boolean; model?: string } | undefined;
  const analysisFailed = view.server.analysis?.state === "failed";
  const diagnosis = view.diagnoses[0];
  return (
    <Screen
      title={`${t.caseTitle}: ${patientName}`}
      onBack={onBack}
      backLabel={t.back}
      testID="case-detail-screen"
    >
      <P>{view.record.triage_data.body_site}</P>
      <RiskBadge risk={view.record.risk_level} />
      <StateBadge state={view.state} testID="case-state" />
      <OtherDetails
        data={view.record.triage_data as unknown as Record<string, unknown>}
        known={KNOWN_TRIAGE_DATA}
        testID="case-other-details"
      />
      {view.state.kind === "rejected" && (
        <View>
          <Button label={t.fix} onPress={onFix} testID="fix" />
          <Button label={t.discard} kind="danger" onPress={onDiscard} testID="discard" />
        </View>
      )}
      <Section title={t.timeline}>
        {caseTimeline(view).map((s) => (
          <View key={s.key} style={styles.step} testID={`${s.key}-${s.done ? "done" : "waiting"}`}>
            <Text style={[styles.dot, { color: s.done ? COLORS.ok : COLORS.muted }]}>
              {s.done ? "●" : "○"}
            </Text>
            <Text
              style={styles.stepText}
              accessibilityLabel={`${t[s.key]}: ${s.done ? t.stepDone : t.stepWaiting}`}
            >
              {t[s.key]} · {s.done ? t.stepDone : t.stepWaiting} {s.done ? time(s.at) : ""}
            </Text>
          </View>
        ))}
      </Section>
      <Section title={t.photos}>
        {(view.record.images ?? []).length === 0 && (
          <P muted>{format(t.photoCount, { count: 0 })}</P>
        )}
        {(view.record.images ?? []).map((img, i) => {
          const st = imageState(
            img.sha256,
            view.server.images,
            uploads.find((u) => u.sha256 === img.sha256),
          );
          const key = `imageState${st.state}`;
          const text =
            key in t ? format(t[key as StringKey], { reason: st.reason ?? "" }) : st.state;
          return (
            <View key={img.sha256} testID={`image-${i}-${st.state}`}>
              <Badge
                text={`${i + 1}. ${text}`}
                color={
                  st.state === "rejected" || st.state === "failed" ? COLORS.danger : COLORS.primary
                }
              />
            </View>
          );
        })}
      </Section>
      <Section title={t.aiAnalysis}>
        {!ai && <P muted>{analysisFailed ? t.aiFailed : t.aiPending}</P>}
        {ai && (
          <View testID="ai-analysis" style={{ gap: 6 }}>
            {ai.fixture && (
              <Badge text={t.fixtureOutput} color={COLORS.warning} testID="ai-fixture" />
            )}
            {ai.findings?.urgency && <P>{format(t.urgency, { urgency: ai.findings.urgency })}</P>}
            {ai.findings?.recommended_action && (
              <P>{format(t.recommendedAction, { action: ai.findings.recommended_action })}</P>
            )}
            {(ai.findings?.differential?.length ?? 0) > 0 && (
              <>
                <Text style={styles.sub}>{t.differential}</Text>
                {ai.findings?.differential?.map((d) => (
                  <P key={d.condition}>
                    • {d.condition} ({d.likelihood})
                  </P>
                ))}
              </>
            )}
            {(ai.findings?.red_flags?.length ?? 0) > 0 && (
              <>
                <Text style={styles.sub}>{t.redFlags}</Text>
                {ai.findings?.red_flags?.map((f) => (
                  <P key={f}>• {f}</P>
                ))}
              </>
            )}
            {ai.disclaimer && <P muted>{ai.disclaimer}</P>}
          </View>
        )}
      </Section>
      <Section title={t.diagnosis}>
        {!diagnosis && <P muted>{t.diagnosisPending}</P>}
        {diagnosis && (
          <View testID="diagnosis">
            <P>{diagnosis.diagnosis_text}</P>
            {diagnosis.prescription && (
              <P>{format(t.prescription, { text: diagnosis.prescription })}</P>
            )}
          </View>
        )}
      </Section>
    </Screen>
  );
}

const styles = StyleSheet.create({
  step: { flexDirection: "row", alignItems: "center", gap: 8, minHeight: 32 },
  dot: { fontSize: 20 },
  stepText: { fontSize: 17, color: COLORS.text },
  sub: { fontSize: 16, fontWeight: "700", color: COLORS.text },
});
