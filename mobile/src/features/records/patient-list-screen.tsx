import { useMemo, useState } from "react";
import { Pressable, Text, View } from "react-native";
import { Button, Field, P, Screen } from "@/lib/ui/kit";
import { useStrings } from "@/lib/i18n/use-strings";
import { format } from "@/lib/i18n/strings";
import type { PatientView } from "@/features/sync/record-state";
import { rowStyles } from "./record-rows";
import { StateBadge } from "./state-badge";

/** Filters patients by a case-insensitive match on name or village. */
export function searchPatients(patients: PatientView[], query: string): PatientView[] {
  const q = query.trim().toLowerCase();
  if (!q) return patients;
  return patients.filter(
    (p) =>
      p.record.demographics.name.toLowerCase().includes(q) ||
      p.record.demographics.village.toLowerCase().includes(q),
  );
}

/** The patient list with search; the home screen. */
export function PatientListScreen({
  patients,
  waiting,
  banner,
  onOpen,
  onNew,
  onOpenSync,
  onSignOut,
}: {
  patients: PatientView[];
  /** Records and photos not yet confirmed by the server. */
  waiting: number;
  banner?: React.ReactNode;
  onOpen: (id: string) => void;
  onNew: () => void;
  onOpenSync: () => void;
  onSignOut: () => void;
}) {
  const t = useStrings();
  const [query, setQuery] = useState("");
  const shown = useMemo(() => searchPatients(patients, query), [patients, query]);
  return (
    <Screen title={t.patientsTitle} banner={banner} testID="patient-list-screen">
      <Button
        label={format(t.openSync, { count: waiting })}
        kind="secondary"
        onPress={onOpenSync}
        testID="open-sync"
      />
      <Field label={t.searchPatients} value={query} onChange={setQuery} testID="search" />
      <Button label={t.newPatient} onPress={onNew} testID="new-patient" />
      {shown.length === 0 && <P muted>{t.noPatients}</P>}
      {shown.map((p) => (
        <Pressable
          key={p.record.id}
          accessibilityRole="button"
          accessibilityLabel={`${p.record.demographics.name}, ${p.record.demographics.village}`}
          onPress={() => onOpen(p.record.id)}
          style={rowStyles.row}
          testID={`patient-${p.record.id}`}
        >
          <View style={{ flex: 1 }}>
            <Text style={rowStyles.title}>{p.record.demographics.name}</Text>
            <Text style={rowStyles.sub}>
              {p.record.demographics.village} ·{" "}
              {format(t.ageYears, { age: p.record.demographics.age_years })}
            </Text>
          </View>
          <StateBadge state={p.state} />
        </Pressable>
      ))}
      <Button label={t.signOut} kind="secondary" onPress={onSignOut} testID="sign-out" />
    </Screen>
  );
}
