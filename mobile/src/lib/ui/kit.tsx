import type { ReactNode } from "react";
import { Pressable, ScrollView, StyleSheet, Text, TextInput, View } from "react-native";
import type { KeyboardTypeOptions } from "react-native";

/*
 * The few building blocks every screen uses. Touch targets are at least 48 dp high (WCAG /
 * Android guidance), every control carries an accessibility role and label, and text is large
 * enough to read outdoors.
 */

/** Smallest touch target, in dp. */
export const MIN_TOUCH = 48;

/** Colours (high contrast on white). */
export const COLORS = {
  text: "#1a1a1a",
  muted: "#555555",
  primary: "#0b5394",
  danger: "#b71c1c",
  warning: "#8a5a00",
  ok: "#1b5e20",
  border: "#c7c7c7",
  surface: "#f4f6f8",
  RED: "#b71c1c",
  YELLOW: "#a66a00",
  GREEN: "#1b5e20",
} as const;

/** A large button. */
export function Button({
  label,
  onPress,
  kind = "primary",
  disabled = false,
  testID,
}: {
  label: string;
  onPress: () => void;
  kind?: "primary" | "secondary" | "danger";
  disabled?: boolean;
  testID?: string;
}) {
  return (
    <Pressable
      accessibilityRole="button"
      accessibilityLabel={label}
      accessibilityState={{ disabled }}
      disabled={disabled}
      onPress={onPress}
      testID={testID}
      style={[styles.button, styles[kind], disabled && styles.disabled]}
    >
      <Text style={[styles.buttonText, kind === "secondary" && styles.secondaryText]}>{label}</Text>
    </Pressable>
  );
}

/** A labelled text input. */
export function Field({
  label,
  value,
  onChange,
  invalid = false,
  secure = false,
  keyboard,
  testID,
  multiline = false,
}: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  invalid?: boolean;
  secure?: boolean;
  keyboard?: KeyboardTypeOptions;
  testID?: string;
  multiline?: boolean;
}) {
  return (
    <View style={styles.field}>
      <Text style={[styles.label, invalid && { color: COLORS.danger }]}>{label}</Text>
      <TextInput
        accessibilityLabel={label}
        value={value}
        onChangeText={onChange}
        secureTextEntry={secure}
        keyboardType={keyboard}
        autoCapitalize="none"
        multiline={multiline}
        testID={testID}
        style={[styles.input, invalid && { borderColor: COLORS.danger, borderWidth: 2 }]}
      />
    </View>
  );
}

/** A toggle chip (checkbox semantics). */
export function Chip({
  label,
  selected,
  onToggle,
  testID,
}: {
  label: string;
  selected: boolean;
  onToggle: () => void;
  testID?: string;
}) {
  return (
    <Pressable
      accessibilityRole="checkbox"
      accessibilityLabel={label}
      accessibilityState={{ checked: selected }}
      onPress={onToggle}
      testID={testID}
      style={[styles.chip, selected && styles.chipOn]}
    >
      <Text style={[styles.chipText, selected && styles.chipTextOn]}>{label}</Text>
    </Pressable>
  );
}

/** A titled section. */
export function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <View style={styles.section}>
      <Text accessibilityRole="header" style={styles.sectionTitle}>
        {title}
      </Text>
      {children}
    </View>
  );
}

/** A coloured status line. */
export function Badge({ text, color, testID }: { text: string; color: string; testID?: string }) {
  return (
    <View style={[styles.badge, { borderColor: color }]} testID={testID}>
      <Text style={[styles.badgeText, { color }]}>{text}</Text>
    </View>
  );
}

/**
 * A screen: header with title and optional back button, scrollable body. `scroll={false}` when
 * the body is itself a (virtualised) list: a list inside a ScrollView renders every row.
 */
export function Screen({
  title,
  onBack,
  backLabel,
  banner,
  children,
  testID,
  scroll = true,
}: {
  title: string;
  onBack?: () => void;
  backLabel?: string;
  banner?: ReactNode;
  children: ReactNode;
  testID?: string;
  scroll?: boolean;
}) {
  return (
    <View style={styles.screen} testID={testID}>
      {banner}
      <View style={styles.header}>
        {onBack && (
          <Pressable
            accessibilityRole="button"
            accessibilityLabel={backLabel ?? "Back"}
            onPress={onBack}
            style={styles.back}
          >
            <Text style={styles.backText}>‹ {backLabel}</Text>
          </Pressable>
        )}
        <Text accessibilityRole="header" style={styles.title}>
          {title}
        </Text>
      </View>
      {scroll ? (
        <ScrollView contentContainerStyle={styles.body}>{children}</ScrollView>
      ) : (
        <View style={styles.fill}>{children}</View>
      )}
    </View>
  );
}

/** Body text. */
export function P({
  children,
  muted = false,
  testID,
}: {
  children: ReactNode;
  muted?: boolean;
  testID?: string;
}) {
  return (
    <Text style={[styles.p, muted && { color: COLORS.muted }]} testID={testID}>
      {children}
    </Text>
  );
}

const styles = StyleSheet.create({
  screen: { flex: 1, backgroundColor: "#ffffff" },
  header: {
    flexDirection: "row",
    alignItems: "center",
    paddingHorizontal: 12,
    minHeight: 56,
    borderBottomWidth: 1,
    borderBottomColor: COLORS.border,
  },
  back: { minHeight: MIN_TOUCH, minWidth: MIN_TOUCH, justifyContent: "center", paddingRight: 12 },
  backText: { fontSize: 18, color: COLORS.primary },
  title: { fontSize: 22, fontWeight: "700", color: COLORS.text, flexShrink: 1 },
  body: { padding: 16, gap: 12 },
  fill: { flex: 1 },
  button: {
    minHeight: MIN_TOUCH,
    borderRadius: 8,
    paddingHorizontal: 16,
    justifyContent: "center",
    alignItems: "center",
    marginVertical: 4,
  },
  primary: { backgroundColor: COLORS.primary },
  secondary: { backgroundColor: "#ffffff", borderWidth: 2, borderColor: COLORS.primary },
  danger: { backgroundColor: COLORS.danger },
  disabled: { opacity: 0.5 },
  buttonText: { color: "#ffffff", fontSize: 18, fontWeight: "600" },
  secondaryText: { color: COLORS.primary },
  field: { gap: 4 },
  label: { fontSize: 16, color: COLORS.text, fontWeight: "600" },
  input: {
    minHeight: MIN_TOUCH,
    borderWidth: 1,
    borderColor: COLORS.border,
    borderRadius: 8,
    paddingHorizontal: 12,
    fontSize: 18,
    color: COLORS.text,
  },
  chip: {
    minHeight: MIN_TOUCH,
    paddingHorizontal: 14,
    borderRadius: 24,
    borderWidth: 2,
    borderColor: COLORS.primary,
    justifyContent: "center",
    marginRight: 8,
    marginBottom: 8,
  },
  chipOn: { backgroundColor: COLORS.primary },
  chipText: { fontSize: 16, color: COLORS.primary },
  chipTextOn: { color: "#ffffff" },
  section: { gap: 8, paddingVertical: 8 },
  sectionTitle: { fontSize: 19, fontWeight: "700", color: COLORS.text },
  badge: {
    borderWidth: 2,
    borderRadius: 6,
    paddingHorizontal: 8,
    paddingVertical: 4,
    alignSelf: "flex-start",
  },
  badgeText: { fontSize: 15, fontWeight: "700" },
  p: { fontSize: 17, color: COLORS.text },
});
