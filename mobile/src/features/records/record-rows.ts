import { StyleSheet } from "react-native";
import { COLORS, MIN_TOUCH } from "@/lib/ui/kit";

/** The look of a tappable record row (a patient in the list, a case on the patient screen). */
export const rowStyles = StyleSheet.create({
  row: {
    minHeight: MIN_TOUCH + 16,
    flexDirection: "row",
    alignItems: "center",
    gap: 8,
    paddingVertical: 8,
    borderBottomWidth: 1,
    borderBottomColor: COLORS.border,
  },
  title: { fontSize: 18, fontWeight: "600", color: COLORS.text },
  sub: { fontSize: 15, color: COLORS.muted },
});
