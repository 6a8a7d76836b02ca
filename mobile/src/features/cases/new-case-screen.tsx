import { useState } from "react";
import { View } from "react-native";
import type { PatientRecord, RiskLevel, TriageData } from "@dermadetect/contract";
import { Button, Chip, Field, P, Screen, Section } from "@/lib/ui/kit";
import { useStrings } from "@/lib/i18n/use-strings";
import { format } from "@/lib/i18n/strings";
import type { StringKey } from "@/lib/i18n/strings";
import type { CapturedPhoto, PhotoSource } from "@/features/photos/photo";
import type { StorageVerdict } from "@/lib/storage/photo-store";
import type { SaveCaseResult } from "@/features/sync/sync-engine";
import { RiskBadge } from "@/features/records/state-badge";
import type { AssessCase, AssessResult, CaseAnswers } from "./assessment";

const FEATURES = [
  ["asymmetry", "asymmetry"],
  ["border_irregular", "borderIrregular"],
  ["color_variegated", "colorVariegated"],
  ["evolving", "evolving"],
] as const;

function toggle(list: string[], code: string): string[] {
  return list.includes(code) ? list.filter((c) => c !== code) : [...list, code];
}

/** New case: questionnaire, photos, on-device triage result, save. */
export function NewCaseScreen({
  patient,
  photoSource,
  symptomCodes,
  dangerSignCodes,
  assess,
  checkPhotoSpace,
  onSave,
  onCancel,
}: {
  patient: PatientRecord;
  photoSource: PhotoSource;
  symptomCodes: readonly string[];
  dangerSignCodes: readonly string[];
  assess: AssessCase;
  /** Whether a photo of this many bytes fits on the phone (asked before a photo is accepted). */
  checkPhotoSpace?: (bytes: number) => Promise<StorageVerdict>;
  /**
   * Stores the photos, then queues the case; resolves "ok" only once the photos are durably
   * stored. Any other answer leaves the form (and its photos) as it is.
   */
  onSave: (
    c: { triage_data: TriageData; risk_level: RiskLevel },
    photos: CapturedPhoto[],
  ) => Promise<SaveCaseResult>;
  onCancel: () => void;
}) {
  const t = useStrings();
  const label = (key: string) => (key in t ? t[key as StringKey] : key);
  const [bodySite, setBodySite] = useState("");
  const [days, setDays] = useState("");
  const [symptoms, setSymptoms] = useState<string[]>([]);
  const [dangerSigns, setDangerSigns] = useState<string[]>([]);
  const [features, setFeatures] = useState<Record<string, boolean>>({});
  const [diameter, setDiameter] = useState("");
  const [notes, setNotes] = useState("");
  const [photos, setPhotos] = useState<CapturedPhoto[]>([]);
  const [result, setResult] = useState<AssessResult | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [saving, setSaving] = useState(false);
  /** sha256 → why the photo could not be stored (shown on the photo, never swallowed). */
  const [notStored, setNotStored] = useState<Record<string, string>>({});
  const [spaceError, setSpaceError] = useState(false);

  const answers = (): CaseAnswers | undefined => {
    const duration = Number(days);
    const mm = diameter.trim() ? Number(diameter) : undefined;
    if (!bodySite.trim() || !/^\d{1,5}$/.test(days.trim())) return undefined;
    if (mm !== undefined && !(Number.isFinite(mm) && mm >= 0 && mm <= 1000)) return undefined;
    const lesion = {
      ...Object.fromEntries(FEATURES.map(([k]) => [k, features[k] === true])),
      ...(mm !== undefined && { diameter_mm: mm }),
      bleeding: dangerSigns.includes("bleeding"),
      ulcerated: dangerSigns.includes("ulceration"),
      rapid_change: dangerSigns.includes("rapid_change"),
    };
    return {
      body_site: bodySite.trim(),
      duration_days: duration,
      symptoms,
      danger_signs: dangerSigns,
      lesion,
      ...(notes.trim() && { notes: notes.trim() }),
    };
  };

  const changed = () => setResult(undefined); // any edit invalidates the assessment

  const runAssess = () => {
    const a = answers();
    if (!a) return setError(t.invalidForm);
    setError(undefined);
    void assess(a, photos).then(setResult);
  };

  const addPhoto = () => {
    void photoSource.capture().then(async (p) => {
      if (!p) return;
      // Refused while there is still room for the records: better than a photo lost later. The
      // photos already on the form are not stored yet (that happens on save): they count too.
      const onForm = photos.reduce((n, x) => n + x.bytes.length, 0);
      if ((await checkPhotoSpace?.(onForm + p.bytes.length)) === "full") return setSpaceError(true);
      setSpaceError(false);
      setPhotos((list) => (list.some((x) => x.sha256 === p.sha256) ? list : [...list, p]));
      changed();
    });
  };

  const removeUnstored = () => {
    setPhotos((list) => list.filter((p) => !(p.sha256 in notStored)));
    setNotStored({});
    changed();
  };

  const save = () => {
    const a = answers();
    if (!a) return setError(t.invalidForm);
    if (result?.kind !== "ok") return setError(t.mustAssess);
    setSaving(true);
    setError(undefined);
    void onSave(
      { triage_data: { ...a, on_device: result.onDevice }, risk_level: result.risk },
      photos,
    )
      .then((r) => {
        if (r.kind === "photos-not-stored") {
          setNotStored(Object.fromEntries(r.failed.map((f) => [f.sha256, f.code])));
        } else if (r.kind !== "ok") setError(t.invalidForm);
      })
      // A write the phone refused (e.g. no room left for the record itself): the form keeps
      // everything, and says so instead of staying silent.
      .catch(() => setError(t.caseNotSaved))
      .finally(() => setSaving(false));
  };

  return (
    <Screen
      title={`${t.newCaseTitle}: ${patient.demographics.name}`}
      onBack={onCancel}
      backLabel={t.back}
      testID="new-case-screen"
    >
      <Field
        label={t.bodySite}
        value={bodySite}
        onChange={(v) => (setBodySite(v), changed())}
        testID="body-site"
      />
      <Field
        label={t.durationDays}
        value={days}
        onChange={(v) => (setDays(v), changed())}
        keyboard="number-pad"
        testID="duration"
      />
      <Section title={t.dangerSigns}>
        <View style={{ flexDirection: "row", flexWrap: "wrap" }}>
          {dangerSignCodes.map((c) => (
            <Chip
              key={c}
              label={label(`ds_${c}`)}
              selected={dangerSigns.includes(c)}
              onToggle={() => (setDangerSigns((l) => toggle(l, c)), changed())}
              testID={`danger-${c}`}
            />
          ))}
        </View>
      </Section>
      <Section title={t.symptoms}>
        <View style={{ flexDirection: "row", flexWrap: "wrap" }}>
          {symptomCodes.map((c) => (
            <Chip
              key={c}
              label={label(`sym_${c}`)}
              selected={symptoms.includes(c)}
              onToggle={() => (setSymptoms((l) => toggle(l, c)), changed())}
              testID={`symptom-${c}`}
            />
          ))}
        </View>
      </Section>
      <Section title={t.lesionFeatures}>
        <View style={{ flexDirection: "row", flexWrap: "wrap" }}>
          {FEATURES.map(([k, key]) => (
            <Chip
              key={k}
              label={t[key]}
              selected={features[k] === true}
              onToggle={() => (setFeatures((f) => ({ ...f, [k]: !f[k] })), changed())}
              testID={`feature-${k}`}
            />
          ))}
        </View>
        <Field
          label={t.diameterMm}
          value={diameter}
          onChange={(v) => (setDiameter(v), changed())}
          keyboard="decimal-pad"
          testID="diameter"
        />
      </Section>
      <Field label={t.notes} value={notes} onChange={setNotes} multiline testID="notes" />
      <Section title={t.photos}>
        <P testID="photo-count">{format(t.photoCount, { count: photos.length })}</P>
        {photos.map((p, i) => (
          <View key={p.sha256}>
            <P muted>{format(t.photoAdded, { n: i + 1, width: p.width, height: p.height })}</P>
            {notStored[p.sha256] && (
              <P testID={`photo-not-stored-${i}`}>
                {format(t.photoNotStored, {
                  n: i + 1,
                  reason: label(`reason${notStored[p.sha256]}`),
                })}
              </P>
            )}
          </View>
        ))}
        {Object.keys(notStored).length > 0 && (
          <Button
            label={t.removeUnstored}
            kind="secondary"
            onPress={removeUnstored}
            testID="remove-unstored"
          />
        )}
        {spaceError && <P testID="photo-storage-full">{t.storageFull}</P>}
        <Button label={t.addPhoto} kind="secondary" onPress={addPhoto} testID="add-photo" />
      </Section>
      <Button label={t.assess} kind="secondary" onPress={runAssess} testID="assess" />
      {result?.kind === "ok" && (
        <Section title={t.triageResult}>
          <View testID="triage-result">
            <RiskBadge risk={result.risk} />
          </View>
          {result.rulesOnly && <P muted>{t.triageRulesOnly}</P>}
          <P testID="triage-rules">
            {result.rules.length === 0
              ? t.triageNoRules
              : format(t.triageRulesFired, {
                  rules: result.rules.map((r) => label(`rule_${r.rule}`)).join(", "),
                })}
          </P>
          {result.demoLabel && <P testID="demo-label">{t.demoModel}</P>}
        </Section>
      )}
      {result?.kind === "bad-data" && <P testID="triage-error">{result.message}</P>}
      {error && <P testID="case-error">{error}</P>}
      <Button
        label={saving ? t.savingCase : t.saveCase}
        onPress={save}
        disabled={result?.kind !== "ok" || saving}
        testID="save-case"
      />
    </Screen>
  );
}
