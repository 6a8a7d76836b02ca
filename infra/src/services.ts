import { createLocalImageStore } from "./image-store";
import { startLocalScheduler } from "./local-scheduler";
import { startMedgemmaStandIn } from "./medgemma-stand-in";

/**
 * Local helpers the stack runs next to the emulators (stand-ins for what cannot run here, such
 * as the MedGemma endpoint and Cloud Storage). `npm start` and the test runner start them all.
 */
export interface LocalService {
  name: string;
  port: number;
  /** Starts the service; resolves with a function that stops it. */
  start(): Promise<() => Promise<void>>;
}

/** Every local helper; features register theirs here. */
export const LOCAL_SERVICES: LocalService[] = [
  createLocalImageStore().service,
  {
    name: "medgemma-stand-in",
    port: 8091,
    start: async () => {
      const standIn = await startMedgemmaStandIn(8091);
      return () => standIn.stop();
    },
  },
  { name: "local-scheduler", port: 8093, start: () => startLocalScheduler(8093) },
];

/** Starts every service and returns one function that stops them all. */
export async function startLocalServices(
  services: readonly LocalService[] = LOCAL_SERVICES,
): Promise<() => Promise<void>> {
  const stops: Array<() => Promise<void>> = [];
  try {
    for (const s of services) stops.push(await s.start());
  } catch (e) {
    await Promise.allSettled(stops.map((stop) => stop()));
    throw e;
  }
  return async () => {
    await Promise.allSettled(stops.reverse().map((stop) => stop()));
  };
}
