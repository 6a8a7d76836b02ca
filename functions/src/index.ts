// Deployed names are the export names (DESIGN.md fixes `api`); keep them stable.
export { api } from "./triggers/api";
export { verifyImage } from "./triggers/verify-image";
export { onDiagnosisWritten } from "./triggers/on-diagnosis-written";
export { applySync } from "./triggers/apply-sync";
export { updatePatientReview } from "./triggers/update-patient-review";
