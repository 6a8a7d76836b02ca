import * as functionsLogger from "firebase-functions/logger";

/**
 * Structured logging in Cloud Logging's JSON shape. Only the fields typed here can be logged,
 * which keeps patient data (names, notes, demographics, triage answers) and tokens out of logs
 * by construction: there is no free-form object parameter.
 */
export interface LogFields {
  request_id?: string;
  route?: string;
  method?: string;
  status?: number;
  code?: string;
  uid?: string;
  role?: string;
  batch_id?: string;
  case_id?: string;
  job_key?: string;
  record_count?: number;
  applied?: number;
  duplicate?: number;
  stale?: number;
  rejected?: number;
  duration_ms?: number;
  attempt?: number;
  stage?: string;
  outcome?: string;
  error_name?: string;
  http_status?: number;
  content_version?: number;
  model_calls?: number;
  image_count?: number;
  total_tokens?: number;
  publish_attempts?: number;
  /** A condition a log-based alert matches on (e.g. `sync_batch_stranded`). */
  alert?: string;
  /** Age of the oldest item a sweep found, in ms. */
  age_ms?: number;
  /** The AI cost cap a job ran into (`chw_hour`, `chw_day`, `global_hour`) and its value. */
  quota?: string;
  limit?: number;
  /** Transaction attempts a sync batch took (more than its chunk count: the scope contended). */
  transaction_attempts?: number;
}

type Severity = "DEBUG" | "INFO" | "WARNING" | "ERROR";

/** A structured entry as Cloud Logging reads it from stdout. */
export type LogEntry = { severity: Severity; message: string } & LogFields;

let sink: (entry: LogEntry) => void = (entry) => functionsLogger.write(entry);

/** Redirects log entries (tests capture them to prove no PHI or token is ever logged). */
export function setLogSink(next: ((entry: LogEntry) => void) | undefined): void {
  sink = next ?? ((entry) => functionsLogger.write(entry));
}

function emit(severity: Severity, message: string, fields: LogFields = {}): void {
  sink({ ...fields, severity, message });
}

/** Describes an unknown error by its class name only: messages can carry PHI or tokens. */
export function errorName(e: unknown): string {
  return e instanceof Error ? e.name : typeof e;
}

export const log = {
  debug: (message: string, fields?: LogFields) => emit("DEBUG", message, fields),
  info: (message: string, fields?: LogFields) => emit("INFO", message, fields),
  warn: (message: string, fields?: LogFields) => emit("WARNING", message, fields),
  error: (message: string, fields?: LogFields) => emit("ERROR", message, fields),
};
