import NetInfo from "@react-native-community/netinfo";

/** Reports connectivity changes (true = the device believes it can reach the internet). */
export interface NetworkPort {
  subscribe(onChange: (online: boolean) => void): () => void;
}

/**
 * NetInfo on device and in the browser (its web build reads navigator.onLine and events). Its
 * reachability probe goes to our own API's health route, not to a third-party URL: "online"
 * then means "this phone can reach DermaDetect", which is what the banner promises.
 */
export function netInfoPort(healthUrl: string): NetworkPort {
  NetInfo.configure({
    reachabilityUrl: healthUrl,
    reachabilityMethod: "GET", // the health route answers GET only
    reachabilityTest: (response) => Promise.resolve(response.status === 200),
  });
  return {
    subscribe: (onChange) =>
      NetInfo.addEventListener((s) =>
        onChange(s.isConnected === true && s.isInternetReachable !== false),
      ),
  };
}
