import { Pressable, Text, View } from "react-native";
import { Button, P, Screen, Section } from "@/lib/ui/kit";
import { useStrings } from "@/lib/i18n/use-strings";
import { format } from "@/lib/i18n/strings";
import type { CaseView, PatientView } from "@/features/sync/record-state";
import { KNOWN_DEMOGRAPHICS, OtherDetails } from "./other-details";
import { rowStyles } from "./record-rows";
import { RiskBadge, StateBadge } from "./state-badge";

/** One patient with their cases. */
export function PatientScreen({
  patient,
  cases,
  onEdit,
  onNewCase,
  onOpenCase,
  onBack,
}: {
  patient: PatientView;
  cases: CaseView[];
  onEdit: () => void;
  onNewCase: () => void;
  onOpenCase: (id: string) => void;
  onBack: () => void;
}) {
  const t = useStrings();
  const d = patient.record.demographics;
  return (
    <Screen title={d.name} onBack={onBack} backLabel={t.back} testID="patient-screen">
      <P>
        {d.village} · {format(t.ageYears, { age: d.age_years })}
      </P>
      <StateBadge state={patient.state} />
      <OtherDetails
        data={d as unknown as Record<string, unknown>}
        known={KNOWN_DEMOGRAPHICS}
        testID="patient-other-details"
      />
      <Button label={t.newCase} onPress={onNewCase} testID="new-case" />
      <Button label={t.editPatient} kind="secondary" onPress={onEdit} testID="edit-patient" />
      <Section title={t.cases}>
        {cases.length === 0 && <P muted>{t.noCases}</P>}
        {cases.map((c) => (
          <Pressable
            key={c.record.id}
            accessibilityRole="button"
            accessibilityLabel={`${t.caseTitle} ${c.record.triage_data.body_site}, ${t[`risk${c.record.risk_level}`]}`}
            onPress={() => onOpenCase(c.record.id)}
            style={rowStyles.row}
            testID={`case-${c.record.id}`}
          >
            <View style={{ flex: 1, gap: 4 }}>
              <Text style={rowStyles.title}>{c.record.triage_data.body_site}</Text>
              <RiskBadge risk={c.record.risk_level} />
            </View>
            <StateBadge state={c.state} />
          </Pressable>
        ))}
      </Section>
    </Screen>
  );
}
