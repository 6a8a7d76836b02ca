import { Badge, COLORS } from "@/lib/ui/kit";
import { useStrings } from "@/lib/i18n/use-strings";
import { format } from "@/lib/i18n/strings";
import type { RecordState } from "@/features/sync/record-state";

const COLOR: Record<RecordState["kind"], string> = {
  pending: COLORS.warning,
  uploaded: COLORS.warning,
  applied: COLORS.ok,
  stale: COLORS.danger,
  rejected: COLORS.danger,
  analysed: COLORS.primary,
  diagnosed: COLORS.ok,
};

/** One record's sync state, worded for the CHW. */
export function StateBadge({ state, testID }: { state: RecordState; testID?: string }) {
  const t = useStrings();
  const reason = "reason" in state ? state.reason : "";
  return (
    <Badge
      text={format(t[`state${state.kind}`], { reason })}
      color={COLOR[state.kind]}
      testID={testID ?? "state-badge"}
    />
  );
}

/** A risk level badge. */
export function RiskBadge({ risk }: { risk: "RED" | "YELLOW" | "GREEN" }) {
  const t = useStrings();
  return <Badge text={t[`risk${risk}`]} color={COLORS[risk]} testID={`risk-${risk}`} />;
}
