import { KNOWN_MAP_KEYS } from "@dermadetect/contract";
import { StyleSheet, Text, View } from "react-native";
import { COLORS, Section } from "@/lib/ui/kit";
import { useStrings } from "@/lib/i18n/use-strings";

/** Keys of `demographics` this app shows itself: the ones the contract types. */
export const KNOWN_DEMOGRAPHICS: readonly string[] = KNOWN_MAP_KEYS.demographics ?? [];
/** Keys of `triage_data` this app shows or uses itself: the ones the contract types. */
export const KNOWN_TRIAGE_DATA: readonly string[] = KNOWN_MAP_KEYS.triage_data ?? [];

/** "follow_up_date" → "Follow up date"; "bloodPressure" → "Blood pressure". */
export function humanise(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[_\-.]+/g, " ")
    .trim()
    .toLowerCase();
  return words ? words[0]!.toUpperCase() + words.slice(1) : key;
}

/** A value as one line of text: scalars as they are, objects and arrays as compact JSON. */
export function asText(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value === null || value === undefined) return "";
  return JSON.stringify(value);
}

/** The entries of `data` whose keys are not in `known`, in the order they arrived. */
export function unknownEntries(
  data: Record<string, unknown> | undefined,
  known: readonly string[],
): [string, unknown][] {
  if (!data) return [];
  return Object.entries(data).filter(([k, v]) => !known.includes(k) && v !== undefined);
}

/**
 * Fields a newer app sent that this one does not know, shown as plain "Other details" rows so
 * nothing the CHW or a colleague recorded is hidden. Renders nothing when there are none.
 */
export function OtherDetails({
  data,
  known,
  testID,
}: {
  data: Record<string, unknown> | undefined;
  known: readonly string[];
  testID: string;
}) {
  const t = useStrings();
  const rows = unknownEntries(data, known);
  if (rows.length === 0) return null;
  return (
    <Section title={t.otherDetails}>
      <View testID={testID}>
        {rows.map(([k, v]) => (
          <View key={k} style={styles.row} testID={`${testID}-${k}`}>
            <Text style={styles.label}>{humanise(k)}</Text>
            <Text style={styles.value}>{asText(v)}</Text>
          </View>
        ))}
      </View>
    </Section>
  );
}

const styles = StyleSheet.create({
  row: { paddingVertical: 6, borderBottomWidth: 1, borderBottomColor: COLORS.border },
  label: { fontSize: 15, color: COLORS.muted },
  value: { fontSize: 17, color: COLORS.text },
});
