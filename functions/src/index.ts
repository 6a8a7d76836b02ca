// Deployed names are the export names (docs/design.md fixes `api`); keep them stable.
export { api } from "./triggers/api";
export { verifyImage } from "./triggers/verify-image";
export { onDiagnosisWritten } from "./triggers/on-diagnosis-written";
export { applySync } from "./triggers/apply-sync";
export { updatePatientReview } from "./triggers/update-patient-review";
export { relayAnalysisJob } from "./triggers/relay-analysis-job";
export { sweepAnalysisJobs } from "./triggers/sweep-analysis-jobs";
export { analyzeCase } from "./triggers/analyze-case";
export { analysisDeadLetter } from "./triggers/analysis-dead-letter";
export { sweepOverdueCases } from "./triggers/sweep-overdue-cases";
export { sweepSyncBatches } from "./triggers/sweep-sync-batches";
