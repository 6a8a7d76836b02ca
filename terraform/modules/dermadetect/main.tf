# DermaDetect production stack (docs/design.md section 9). Files are grouped by purpose:
# services.tf (APIs), firestore.tf, pubsub.tf, storage.tf, functions.tf, iam.tf, secrets.tf,
# audit.tf, monitoring.tf, medgemma.tf; moved.tf keeps resources whose address changed.

data "google_project" "main" {
  project_id = var.project_id

  depends_on = [google_project_service.main]
}

# The Cloud Storage service agent publishes object-finalized events for verifyImage's trigger.
data "google_storage_project_service_account" "main" {
  project = var.project_id

  depends_on = [google_project_service.main]
}

locals {
  labels = merge(var.labels, {
    app         = "dermadetect"
    environment = var.environment
  })

  # Google-managed service agents (created when their API is enabled).
  pubsub_service_agent  = "serviceAccount:service-${data.google_project.main.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
  storage_service_agent = "serviceAccount:${data.google_storage_project_service_account.main.email_address}"

  images_bucket_name = "${var.project_id}-dermadetect-images"
  source_bucket_name = "${var.project_id}-dermadetect-functions-source"
}
