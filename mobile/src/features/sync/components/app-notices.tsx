import { StyleSheet, Text, View } from "react-native";
import { Button } from "@/lib/ui/kit";
import { useStrings } from "@/lib/i18n/use-strings";
import { format } from "@/lib/i18n/strings";
import type { UpdateState } from "@/app/app-updates";
import type { StorageStatus } from "@/features/photos/storage-monitor";
import { formatBytes } from "@/features/photos/storage-monitor";

/**
 * "Update available", offered only when no form is open (an update reloads the app; a CHW
 * halfway through a patient must never lose the form). With a form open it says the update
 * waits for the form.
 */
export function UpdateNotice({
  state,
  formOpen,
  onApply,
}: {
  state: UpdateState;
  formOpen: boolean;
  onApply: () => void;
}) {
  const t = useStrings();
  if (state === "none") return null;
  if (formOpen)
    return (
      <View style={[styles.box, styles.info]} testID="update-after-form">
        <Text style={styles.text}>{t.updateAfterForm}</Text>
      </View>
    );
  return (
    <View style={[styles.box, styles.info]} testID="update-available">
      <Text style={styles.text}>{state === "applying" ? t.updating : t.updateAvailable}</Text>
      <Button
        label={t.updateNow}
        kind="secondary"
        onPress={onApply}
        disabled={state === "applying"}
        testID="apply-update"
      />
    </View>
  );
}

/** Storage running low or full, on every screen, before anything is lost. */
export function StorageNotice({ status }: { status: StorageStatus }) {
  const t = useStrings();
  if (status.verdict !== "low" && status.verdict !== "full") return null;
  const text =
    status.verdict === "full"
      ? t.storageFull
      : format(t.storageLow, { free: formatBytes(status.estimate?.freeBytes ?? 0) });
  return (
    <View
      accessibilityRole="alert"
      style={[styles.box, styles.warn]}
      testID={`storage-${status.verdict}`}
    >
      <Text style={styles.text}>{text}</Text>
    </View>
  );
}

const styles = StyleSheet.create({
  box: { paddingVertical: 10, paddingHorizontal: 16, gap: 8 },
  info: { backgroundColor: "#e3eefa" },
  warn: { backgroundColor: "#fff3cd" },
  text: { color: "#1a1a1a", fontSize: 16, fontWeight: "600" },
});
