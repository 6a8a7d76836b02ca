import { useState } from "react";
import { View } from "react-native";
import type { Demographics, PatientRecord } from "@dermadetect/contract";
import { Button, Chip, Field, P, Screen, Section } from "@/lib/ui/kit";
import { useStrings } from "@/lib/i18n/use-strings";

const SEXES = ["female", "male", "other", "unknown"] as const;
const SEX_LABEL = {
  female: "sexFemale",
  male: "sexMale",
  other: "sexOther",
  unknown: "sexUnknown",
} as const;

/** Fields that fail the contract's demographics rules (checked again by the data layer). */
export function invalidDemographics(d: {
  name: string;
  age: string;
  village: string;
  phone: string;
}): string[] {
  const bad: string[] = [];
  if (!d.name.trim() || d.name.length > 200) bad.push("name");
  const age = Number(d.age);
  if (!/^\d{1,3}$/.test(d.age.trim()) || age > 130) bad.push("age");
  if (!d.village.trim() || d.village.length > 200) bad.push("village");
  if (d.phone && !/^[+0-9 ()-]{3,32}$/.test(d.phone)) bad.push("phone");
  return bad;
}

/** New or edited patient. */
export function PatientFormScreen({
  initial,
  onSave,
  onCancel,
}: {
  initial?: PatientRecord;
  /** Queues the patient; returns false when the data layer refused it. */
  onSave: (d: Demographics) => boolean;
  onCancel: () => void;
}) {
  const t = useStrings();
  const d = initial?.demographics;
  const [name, setName] = useState(d?.name ?? "");
  const [sex, setSex] = useState<Demographics["sex"]>(d?.sex ?? "unknown");
  const [age, setAge] = useState(d ? String(d.age_years) : "");
  const [village, setVillage] = useState(d?.village ?? "");
  const [phone, setPhone] = useState(d?.phone ?? "");
  const [invalid, setInvalid] = useState<string[]>([]);

  const save = () => {
    const bad = invalidDemographics({ name, age, village, phone });
    setInvalid(bad);
    if (bad.length > 0) return;
    // Keys this version of the app does not know (written by a newer app) are kept as they are:
    // editing a record must never drop what another device recorded. Phone is rebuilt below.
    const kept: Partial<Demographics> = { ...d };
    delete kept.phone;
    const ok = onSave({
      ...kept,
      name: name.trim(),
      sex,
      age_years: Number(age),
      village: village.trim(),
      ...(phone.trim() && { phone: phone.trim() }),
    });
    if (!ok) setInvalid(["form"]);
  };

  return (
    <Screen
      title={initial ? t.editPatient : t.newPatient}
      onBack={onCancel}
      backLabel={t.back}
      testID="patient-form-screen"
    >
      <Field
        label={t.name}
        value={name}
        onChange={setName}
        invalid={invalid.includes("name")}
        testID="patient-name"
      />
      <Section title={t.sex}>
        <View style={{ flexDirection: "row", flexWrap: "wrap" }}>
          {SEXES.map((s) => (
            <Chip
              key={s}
              label={t[SEX_LABEL[s]]}
              selected={sex === s}
              onToggle={() => setSex(s)}
              testID={`sex-${s}`}
            />
          ))}
        </View>
      </Section>
      <Field
        label={t.age}
        value={age}
        onChange={setAge}
        keyboard="number-pad"
        invalid={invalid.includes("age")}
        testID="patient-age"
      />
      <Field
        label={t.village}
        value={village}
        onChange={setVillage}
        invalid={invalid.includes("village")}
        testID="patient-village"
      />
      <Field
        label={t.phone}
        value={phone}
        onChange={setPhone}
        keyboard="phone-pad"
        invalid={invalid.includes("phone")}
        testID="patient-phone"
      />
      {invalid.length > 0 && <P testID="form-error">{t.invalidForm}</P>}
      <Button label={t.save} onPress={save} testID="save-patient" />
    </Screen>
  );
}
