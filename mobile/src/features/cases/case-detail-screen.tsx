import { useState } from "react";
import { StyleSheet, Text, View } from "react-native";
import { currentDiagnosis } from "@dermadetect/contract";
import { KNOWN_TRIAGE_DATA, OtherDetails } from "@/features/records/other-details";
import { Badge, Button, COLORS, Field, P, Screen, Section } from "@/lib/ui/kit";
import { useStrings } from "@/lib/i18n/use-strings";
import { format } from "@/lib/i18n/strings";
import type { StringKey } from "@/lib/i18n/strings";
import type { CaseView } from "@/features/sync/record-state";
import type { UploadEntry } from "@/features/photos/upload-queue";
import { RiskBadge, StateBadge } from "@/features/records/state-badge";
import type { DiagnosisView } from "@/features/sync/record-state";
import type { PhotoStoreErrorCode } from "@/lib/storage/photo-store";
import { shareReferral } from "./share-referral";
import type { ShareOutcome } from "./share-referral";

/** What became of a photo the CHW added to a saved case (shown on the case, never swallowed). */
export type AddPhotoOutcome =
  | { kind: "added" }
  | { kind: "cancelled" }
  /** Refused before it was taken in: it would have left too little room (nothing lost). */
  | { kind: "storage-full" }
  /** The phone refused to store it: not added to the case, nothing queued. */
  | { kind: "not-stored"; code: PhotoStoreErrorCode };

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
  const diagnosis = currentDiagnosis(c.diagnoses);
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
  onAnswer,
  onAddPhoto,
  share = shareReferral,
}: {
  view: CaseView;
  patientName: string;
  uploads: UploadEntry[];
  onFix: () => void;
  onDiscard: () => void;
  onBack: () => void;
  /** Answers the doctor's request with text (saved as an edit of the case's notes). */
  onAnswer?: (text: string) => void;
  /** Answers the doctor's request with a new photo of the case; says what became of it. */
  onAddPhoto?: () => Promise<AddPhotoOutcome>;
  share?: (title: string, text: string) => Promise<ShareOutcome>;
}) {
  const t = useStrings();
  const [answer, setAnswer] = useState("");
  const [shareNote, setShareNote] = useState<string | undefined>();
  const [added, setAdded] = useState<AddPhotoOutcome | undefined>();
  const addPhoto = () => {
    if (!onAddPhoto) return;
    setAdded(undefined);
    void onAddPhoto().then(setAdded, () =>
      setAdded({ kind: "not-stored", code: "STORAGE_FAILED" }),
    );
  };
  const request = view.server.info_request;
  const asking = request != null && view.server.review_state === "waiting_for_chw";
  const ai = view.server.ai_analysis as
    { findings?: Findings; disclaimer?: string; fixture?: boolean; model?: string } | undefined;
  // A cost cap ("limited") ends the analysis without a result, as a failure does: the case
  // still goes to a doctor, and the CHW must not wait for AI output that will not come.
  const analysisFailed =
    view.server.analysis?.state === "failed" || view.server.analysis?.state === "limited";
  const diagnosis = currentDiagnosis(view.diagnoses);
  const note = diagnosis ? referralNoteText(t, diagnosis, patientName, view) : undefined;
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
      {asking && (
        <View testID="info-request" style={styles.request}>
          <Text style={styles.requestText}>
            {format(t.doctorAsks, { message: request.message })}
          </Text>
          {request.requested_by_name && (
            <P muted>{format(t.doctorAsksBy, { doctor: request.requested_by_name })}</P>
          )}
          {request.kind === "photo" && onAddPhoto && (
            <Button label={t.answerAddPhoto} onPress={addPhoto} testID="answer-add-photo" />
          )}
          {added?.kind === "storage-full" && <P testID="add-photo-storage-full">{t.storageFull}</P>}
          {added?.kind === "not-stored" && (
            <P testID="add-photo-not-stored">
              {format(t.addedPhotoNotStored, {
                reason: t[`reason${added.code}` as StringKey],
              })}
            </P>
          )}
          {onAnswer && (
            <>
              <Field
                label={t.answerText}
                value={answer}
                onChange={setAnswer}
                multiline
                testID="answer-text"
              />
              <Button
                label={t.answerSend}
                onPress={() => {
                  if (answer.trim() === "") return;
                  onAnswer(answer.trim());
                  setAnswer("");
                }}
                testID="answer-send"
              />
            </>
          )}
        </View>
      )}
      {view.server.review_state === "answered" && (
        <P testID="info-request-answered">{t.answerSent}</P>
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
            {diagnosis.referral && (
              <P testID="diagnosis-referral">{referralLine(t, diagnosis.referral)}</P>
            )}
            {diagnosis.follow_up?.in_days != null && (
              <P testID="diagnosis-follow-up">
                {format(t.followUp, { days: diagnosis.follow_up.in_days })}
              </P>
            )}
            {diagnosis.follow_up?.note && (
              <P testID="diagnosis-follow-up-note">
                {format(t.followUpNote, { note: diagnosis.follow_up.note })}
              </P>
            )}
            {diagnosis.doctor_name && (
              <P muted>{format(t.diagnosedBy, { doctor: diagnosis.doctor_name })}</P>
            )}
            {diagnosis.amends && (
              <P muted testID="diagnosis-amended">
                {t.amended}
              </P>
            )}
          </View>
        )}
      </Section>
      {note && (
        <Section title={t.referralNote}>
          <View testID="referral-note" style={styles.note}>
            <Text style={styles.noteText} selectable>
              {note}
            </Text>
          </View>
          <Button
            label={t.shareReferral}
            onPress={() => {
              setShareNote(undefined);
              void share(t.referralNoteTitle, note).then(
                (r) => r === "downloaded" && setShareNote(t.shareFailed),
                () => setShareNote(t.shareFailed),
              );
            }}
            testID="share-referral"
          />
          {shareNote && <P muted>{shareNote}</P>}
        </Section>
      )}
    </Screen>
  );
}

type Strings = ReturnType<typeof useStrings>;

/** One line for the referral decision. */
function referralLine(t: Strings, r: NonNullable<DiagnosisView["referral"]>): string {
  if (r.decision === "none") return t.referralNone;
  const template = r.decision === "urgent" ? t.referralUrgent : t.referralRoutine;
  return format(template, { destination: r.destination ?? "" });
}

/** The note the patient carries to the clinic: only for a referral. */
export function referralNoteText(
  t: Strings,
  d: DiagnosisView,
  patientName: string,
  view: CaseView,
): string | undefined {
  if (!d.referral || d.referral.decision === "none") return undefined;
  const lines = [
    t.referralNoteTitle,
    referralLine(t, d.referral),
    format(t.referralNotePatient, { name: patientName }),
    format(t.referralNoteSite, { site: view.record.triage_data.body_site }),
    format(t.referralNoteFindings, { text: d.diagnosis_text }),
    ...(d.prescription ? [format(t.prescription, { text: d.prescription })] : []),
    ...(d.follow_up?.in_days != null ? [format(t.followUp, { days: d.follow_up.in_days })] : []),
    ...(d.doctor_name ? [format(t.diagnosedBy, { doctor: d.doctor_name })] : []),
    ...(d.created_at
      ? [format(t.referralNoteDate, { date: new Date(d.created_at).toLocaleDateString() })]
      : []),
  ];
  return lines.join("\n");
}

const styles = StyleSheet.create({
  request: {
    gap: 8,
    padding: 12,
    borderWidth: 2,
    borderColor: COLORS.warning,
    borderRadius: 8,
  },
  requestText: { fontSize: 18, fontWeight: "700", color: COLORS.text },
  note: { padding: 12, borderWidth: 1, borderColor: COLORS.muted, borderRadius: 8 },
  noteText: { fontSize: 16, color: COLORS.text, lineHeight: 24 },
  step: { flexDirection: "row", alignItems: "center", gap: 8, minHeight: 32 },
  dot: { fontSize: 20 },
  stepText: { fontSize: 17, color: COLORS.text },
  sub: { fontSize: 16, fontWeight: "700", color: COLORS.text },
});
