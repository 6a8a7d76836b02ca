# Least privilege: one runtime service account per function, plus one identity per caller that
# is not a function (push subscription, scheduler, builds). Every grant states why it exists;
# no primitive roles (owner/editor/viewer), and nothing for allUsers except the api invoker
# below (terraform/test/policy.spec.ts enforces both).

resource "google_service_account" "functions" {
  for_each = local.functions

  project      = var.project_id
  account_id   = "fn-${lower(replace(each.key, "/([A-Z])/", "-$1"))}"
  display_name = "DermaDetect function ${each.key}"
  description  = "Runtime identity of the ${each.key} function only"

  depends_on = [google_project_service.main]
}

resource "google_service_account" "analysis_push" {
  project      = var.project_id
  account_id   = "pubsub-push-analysis"
  display_name = "DermaDetect analysis push subscription"
  description  = "OIDC identity of case-analysis-requested-push when it calls analyzeCase"

  depends_on = [google_project_service.main]
}

resource "google_service_account" "scheduler" {
  project      = var.project_id
  account_id   = "scheduler-sweep"
  display_name = "DermaDetect sweep scheduler"
  description  = "OIDC identity of the Cloud Scheduler job that calls sweepAnalysisJobs"

  depends_on = [google_project_service.main]
}

resource "google_service_account" "builder" {
  project      = var.project_id
  account_id   = "functions-builder"
  display_name = "DermaDetect function builds"
  description  = "Cloud Build identity that builds the functions' containers"

  depends_on = [google_project_service.main]
}

locals {
  # Project-level grants to function identities: "function|role" => one-line reason.
  # Firestore: IAM stops at the database (no per-collection role, and IAM conditions cannot
  # name documents), and every function below writes something, so roles/datastore.user is the
  # narrowest grant each can have; a function that only read would get roles/datastore.viewer
  # (terraform/test/iam.spec.ts). Which documents each may touch is enforced in code.
  function_project_roles = {
    "api|roles/datastore.user"                 = "reads and writes patients, cases, diagnoses, receipts, scopes and audit logs for the HTTPS routes"
    "applySync|roles/datastore.user"           = "applies sync batches: canonical records, scope sequence, receipts, outbox jobs, audit logs"
    "relayAnalysisJob|roles/datastore.user"    = "marks outbox jobs published"
    "sweepAnalysisJobs|roles/datastore.user"   = "queries and updates outbox jobs stuck unpublished"
    "sweepOverdueCases|roles/datastore.user"   = "queries RED cases awaiting analysis and queues overdue ones through the scope writer"
    "analyzeCase|roles/datastore.user"         = "claims jobs and writes ai_analysis to cases through the scope writer"
    "analysisDeadLetter|roles/datastore.user"  = "marks dead-lettered jobs and their cases failed"
    "verifyImage|roles/datastore.user"         = "marks an uploaded image verified or rejected on its case"
    "onDiagnosisWritten|roles/datastore.user"  = "normalises diagnoses and moves their case to DIAGNOSED"
    "updatePatientReview|roles/datastore.user" = "reads a patient's cases and updates its review fields for the doctor rules"
    # Stranded sync batches and revoked sessions (docs/decisions/2026-11-access-control.md).
    "sweepSyncBatches|roles/datastore.user"      = "queries pending sync batches and applies them through the sync core, like applySync"
    "sweepSyncBatches|roles/firebaseauth.viewer" = "reads the CHW's Auth account (disabled, sessions revoked) before applying a batch"
    "applySync|roles/firebaseauth.viewer"        = "reads the CHW's Auth account (disabled, sessions revoked) before applying a batch"
    "api|roles/firebaseauth.viewer"              = "reads the caller's Auth account to refuse tokens of revoked sessions"
  }
}

# Project-level grants to the functions: the reason of each is its value in the map above.
resource "google_project_iam_member" "functions" {
  for_each = local.function_project_roles

  project = var.project_id
  role    = split("|", each.key)[1]
  member  = "serviceAccount:${google_service_account.functions[split("|", each.key)[0]].email}"
}

# Eventarc-triggered functions: the trigger runs as the function's own account, which must be
# allowed to receive events (the invoker grant on its own service is in modules/function).
resource "google_project_iam_member" "eventarc_receivers" {
  for_each = local.event_triggers

  project = var.project_id
  role    = "roles/eventarc.eventReceiver"
  member  = "serviceAccount:${google_service_account.functions[each.key].email}"
}

# Narrower than roles/aiplatform.user: predict on endpoints and the endpoints.get that finds a
# dedicated endpoint's DNS name (medgemma-medsiglip.md section 2.2).
resource "google_project_iam_custom_role" "medgemma_invoker" {
  project     = var.project_id
  role_id     = "dermadetectMedgemmaInvoker"
  title       = "DermaDetect MedGemma invoker"
  description = "Call a Vertex AI endpoint and read its dedicated DNS name"
  permissions = ["aiplatform.endpoints.get", "aiplatform.endpoints.predict"]

  depends_on = [google_project_service.main]
}

# analyzeCase: calls the MedGemma endpoint (:predict) and reads its dedicated DNS (endpoints.get).
resource "google_project_iam_member" "analyze_case_medgemma" {
  project = var.project_id
  role    = google_project_iam_custom_role.medgemma_invoker.id
  member  = "serviceAccount:${google_service_account.functions["analyzeCase"].email}"
}

# api: signed PUT URLs are authorised as their signer, so the signer must be able to create objects.
resource "google_storage_bucket_iam_member" "api_image_creator" {
  bucket = google_storage_bucket.images.name
  role   = "roles/storage.objectCreator"
  member = "serviceAccount:${google_service_account.functions["api"].email}"
}

# api: signs V4 URLs with signBlob on its own account (no key file exists anywhere).
resource "google_service_account_iam_member" "api_self_signer" {
  service_account_id = google_service_account.functions["api"].name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:${google_service_account.functions["api"].email}"
}

# api: signed GET URLs for the doctor queue are authorised as their signer too.
resource "google_storage_bucket_iam_member" "api_image_reader" {
  bucket = google_storage_bucket.images.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.functions["api"].email}"
}

# Reads an uploaded photo and deletes it when it is rejected; nothing else.
resource "google_project_iam_custom_role" "image_verifier" {
  project     = var.project_id
  role_id     = "dermadetectImageVerifier"
  title       = "DermaDetect image verifier"
  description = "Read an uploaded object and delete it when verification rejects it"
  permissions = ["storage.objects.delete", "storage.objects.get"]

  depends_on = [google_project_service.main]
}

# verifyImage: checks the object's size, type and sha256, and removes rejected or orphan uploads.
resource "google_storage_bucket_iam_member" "verify_image" {
  bucket = google_storage_bucket.images.name
  role   = google_project_iam_custom_role.image_verifier.id
  member = "serviceAccount:${google_service_account.functions["verifyImage"].email}"
}

# analyzeCase: reads verified photos to send them to MedGemma.
resource "google_storage_bucket_iam_member" "analyze_case_reader" {
  bucket = google_storage_bucket.images.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.functions["analyzeCase"].email}"
}

# relayAnalysisJob and sweepAnalysisJobs: publish analysis requests.
resource "google_pubsub_topic_iam_member" "analysis_publishers" {
  for_each = toset(["relayAnalysisJob", "sweepAnalysisJobs"])

  project = var.project_id
  topic   = google_pubsub_topic.main["analysis"].name
  role    = "roles/pubsub.publisher"
  member  = "serviceAccount:${google_service_account.functions[each.key].email}"
}

# analyzeCase: forwards a job that failed on its last delivery to the dead-letter topic itself.
resource "google_pubsub_topic_iam_member" "analyze_case_dlq_publisher" {
  project = var.project_id
  topic   = google_pubsub_topic.main["analysis_dlq"].name
  role    = "roles/pubsub.publisher"
  member  = "serviceAccount:${google_service_account.functions["analyzeCase"].email}"
}

# Pub/Sub service agent: forwards undeliverable analysis requests to the DLQ
resource "google_pubsub_topic_iam_member" "dlq_publisher" {
  project = var.project_id
  topic   = google_pubsub_topic.main["analysis_dlq"].name
  role    = "roles/pubsub.publisher"
  member  = local.pubsub_service_agent
}

# Pub/Sub service agent: acknowledges the messages it dead-letters on the source subscription
resource "google_pubsub_subscription_iam_member" "dlq_source_subscriber" {
  project      = var.project_id
  subscription = google_pubsub_subscription.analysis_push.name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_service_agent
}

# Pub/Sub service agent: mints the OIDC token of the push subscription's identity
resource "google_service_account_iam_member" "pubsub_push_token_creator" {
  service_account_id = google_service_account.analysis_push.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_service_agent
}

# Push subscription identity: the only caller allowed to invoke analyzeCase.
resource "google_cloud_run_service_iam_member" "analysis_push_invoker" {
  project  = var.project_id
  location = var.region
  service  = module.functions["analyzeCase"].service
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.analysis_push.email}"
}

# Scheduler identity: the only caller allowed to invoke each scheduled function.
resource "google_cloud_run_service_iam_member" "scheduler_invokers" {
  for_each = local.scheduler_jobs

  project  = var.project_id
  location = var.region
  service  = module.functions[each.key].service
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.scheduler.email}"
}

# Cloud Storage service agent: publishes object-finalized events to Eventarc for verifyImage.
resource "google_project_iam_member" "storage_agent_publisher" {
  project = var.project_id
  role    = "roles/pubsub.publisher"
  member  = local.storage_service_agent
}

# Build identity: runs the buildpack build of every function (logs, Artifact Registry, source).
resource "google_project_iam_member" "builder" {
  project = var.project_id
  role    = "roles/cloudbuild.builds.builder"
  member  = "serviceAccount:${google_service_account.builder.email}"
}

# api: the one public invoker. Phones call it with Firebase ID tokens, which Cloud Run IAM cannot
# check; the api verifies every token itself (docs/design.md section 4) and answers 401/403. Set
# api_public_access = false to keep it private (for example behind a gateway).
resource "google_cloud_run_service_iam_member" "api_public_invoker" {
  count = var.api_public_access ? 1 : 0

  project  = var.project_id
  location = var.region
  service  = module.functions["api"].service
  role     = "roles/run.invoker"
  member   = "allUsers"
}
