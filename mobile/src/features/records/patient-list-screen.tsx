import { memo, useMemo, useState } from "react";
import { FlatList, Pressable, StyleSheet, Text, View } from "react-native";
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

/** Rows drawn before the first paint, about one phone screen; the rest as the CHW scrolls. */
export const FIRST_ROWS = 12;

const PatientRow = memo(function PatientRow({
  patient,
  onOpen,
}: {
  patient: PatientView;
  onOpen: (id: string) => void;
}) {
  const t = useStrings();
  const { id, demographics } = patient.record;
  return (
    <Pressable
      accessibilityRole="button"
      accessibilityLabel={`${demographics.name}, ${demographics.village}`}
      onPress={() => onOpen(id)}
      style={rowStyles.row}
      testID={`patient-${id}`}
    >
      <View style={{ flex: 1 }}>
        <Text style={rowStyles.title}>{demographics.name}</Text>
        <Text style={rowStyles.sub}>
          {demographics.village} · {format(t.ageYears, { age: demographics.age_years })}
        </Text>
      </View>
      <StateBadge state={patient.state} />
    </Pressable>
  );
});

/**
 * The patient list with search; the home screen. A virtualised list: a CHW holds hundreds of
 * patients, and drawing every row on each sync update kept the list blank for seconds on a
 * first sign-in; only about a screen of rows is drawn at first, the rest as the CHW scrolls.
 */
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
  const count =
    shown.length !== patients.length
      ? format(t.patientMatches, { shown: shown.length, count: patients.length })
      : patients.length === 1
        ? t.patientCountOne
        : format(t.patientCount, { count: patients.length });
  return (
    <Screen title={t.patientsTitle} banner={banner} testID="patient-list-screen" scroll={false}>
      <FlatList
        data={shown}
        keyExtractor={(p) => p.record.id}
        renderItem={({ item }) => <PatientRow patient={item} onOpen={onOpen} />}
        initialNumToRender={FIRST_ROWS}
        contentContainerStyle={styles.body}
        keyboardShouldPersistTaps="handled"
        // Elements, not components: the search field keeps its focus as the list updates.
        ListHeaderComponent={
          <View style={styles.header}>
            <Button
              label={format(t.openSync, { count: waiting })}
              kind="secondary"
              onPress={onOpenSync}
              testID="open-sync"
            />
            <Field label={t.searchPatients} value={query} onChange={setQuery} testID="search" />
            <Button label={t.newPatient} onPress={onNew} testID="new-patient" />
            {patients.length > 0 && (
              <P muted testID="patient-count">
                {count}
              </P>
            )}
            {shown.length === 0 && <P muted>{t.noPatients}</P>}
          </View>
        }
        ListFooterComponent={
          <View style={styles.footer}>
            <Button label={t.signOut} kind="secondary" onPress={onSignOut} testID="sign-out" />
          </View>
        }
      />
    </Screen>
  );
}

const styles = StyleSheet.create({
  body: { padding: 16 },
  header: { gap: 12, paddingBottom: 4 },
  footer: { paddingTop: 12 },
});
