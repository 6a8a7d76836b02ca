// Deployed names are the export names (docs/design.md fixes `api`); keep them stable.
import { countedTrigger } from "./adapters/op-counter";
import { db } from "./adapters/firebase";
import { onDiagnosisWritten as diagnosisWritten } from "./triggers/on-diagnosis-written";
import { applySync as applySyncBatch } from "./triggers/apply-sync";
import { updatePatientReview as patientReview } from "./triggers/update-patient-review";
import { relayAnalysisJob as relayJob } from "./triggers/relay-analysis-job";
import { analyzeCase as analyze } from "./triggers/analyze-case";

export { api } from "./triggers/api";
export { verifyImage } from "./triggers/verify-image";
export { sweepAnalysisJobs } from "./triggers/sweep-analysis-jobs";
export { analysisDeadLetter } from "./triggers/analysis-dead-letter";
export { sweepOverdueCases } from "./triggers/sweep-overdue-cases";
export { sweepSyncBatches } from "./triggers/sweep-sync-batches";

// On a local stack started with FIRESTORE_COUNT_OPS=1 these count their Firestore operations
// per invocation for the benchmarks (docs/cost.md); everywhere else they are the triggers as is.
export const onDiagnosisWritten = countedTrigger("onDiagnosisWritten", diagnosisWritten, db);
export const applySync = countedTrigger("applySync", applySyncBatch, db);
export const updatePatientReview = countedTrigger("updatePatientReview", patientReview, db);
export const relayAnalysisJob = countedTrigger("relayAnalysisJob", relayJob, db);
export const analyzeCase = countedTrigger("analyzeCase", analyze, db);
