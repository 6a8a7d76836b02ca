import { StyleSheet, Text, View } from "react-native";
import { useStrings } from "@/lib/i18n/use-strings";

/** Online/offline banner: what the network layer reports, never a guess. */
export function NetworkBanner({ online }: { online: boolean }) {
  const t = useStrings();
  const label = online ? t.onlineBanner : t.offlineBanner;
  return (
    <View
      accessibilityRole="alert"
      accessibilityLabel={label}
      style={[styles.banner, online ? styles.online : styles.offline]}
      testID="network-banner"
    >
      <Text style={styles.text}>{label}</Text>
    </View>
  );
}

const styles = StyleSheet.create({
  banner: { paddingVertical: 10, paddingHorizontal: 16, minHeight: 44, justifyContent: "center" },
  online: { backgroundColor: "#1b5e20" },
  offline: { backgroundColor: "#b71c1c" },
  text: { color: "#ffffff", fontSize: 16, fontWeight: "600" },
});
