// Unit tests log nowhere: the entries are kept in memory, and tests that assert on logs read them.
import { setLogSink } from "../src/logger";
import type { LogEntry } from "../src/logger";

/** Every entry logged during the current unit-test run. */
export const capturedLogs: LogEntry[] = [];

setLogSink((entry) => capturedLogs.push(entry));
