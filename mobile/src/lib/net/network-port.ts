import NetInfo from "@react-native-community/netinfo";

/** Reports connectivity changes (true = the device believes it can reach the internet). */
export interface NetworkPort {
  subscribe(onChange: (online: boolean) => void): () => void;
}

/** NetInfo on device and in the browser (its web build reads navigator.onLine and events). */
export function netInfoPort(): NetworkPort {
  return {
    subscribe: (onChange) =>
      NetInfo.addEventListener((s) => onChange(s.isConnected === true && s.isInternetReachable !== false)),
  };
}
