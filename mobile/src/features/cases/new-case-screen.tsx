import { useState } from "react";
import { View } from "react-native";
import type { PatientRecord, RiskLevel, TriageData } from "@dermadetect/contract";
import { Button, Chip, Field, P, Screen, Section } from "@/lib/ui/kit";
import { useStrings } from "@/lib/i18n/use-strings";
import { format } from "@/lib/i18n/strings";
import type { StringKey } from "@/lib/i18n/strings";
import type { CapturedPhoto, PhotoSource } from "@/features/photos/photo";
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
  onSave,
  onCancel,
}: {
  patient: PatientRecord;
  photoSource: PhotoSource;
  symptomCodes: readonly string[];
  dangerSignCodes: readonly string[];
  assess: AssessCase;
  /** Queues the case and its photos; false when the data layer refused it. */
  onSave: (
    c: { triage_data: TriageData; risk_level: RiskLevel },
    photos: CapturedPhoto[],
  ) => boolean;
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
    void photoSource.capture().then((p) => {
      if (!p) return;
      setPhotos((list) => (list.some((x) => x.sha256 === p.sha256) ? list : [...list, p]));
      changed();
    });
  };

  const save = () => {
    const a = answers();
    if (!a) return setError(t.invalidForm);
    if (result?.kind !== "ok") return setError(t.mustAssess);
    const ok = onSave(
      { triage_data: { ...a, on_device: result.onDevice }, risk_level: result.risk },
      photos,
    );
    if (!ok) setError(t.invalidForm);
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
          <P key={p.sha256} muted>
            {format(t.photoAdded, { n: i + 1, width: p.width, height: p.height })}
          </P>
        ))}
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
        label={t.saveCase}
        onPress={save}
        disabled={result?.kind !== "ok"}
        testID="save-case"
      />
    </Screen>
  );
}
