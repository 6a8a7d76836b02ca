# Data Access audit logs are off by default. Health data needs who-read-what: Firestore
# (audited under datastore.googleapis.com), Cloud Storage, Pub/Sub and Vertex AI
# (reliability-security.md section 5). Firestore TTL deletes and imports are not audit-logged.
locals {
  audited_services = [
    "aiplatform.googleapis.com",
    "datastore.googleapis.com",
    "pubsub.googleapis.com",
    "storage.googleapis.com",
  ]
}

resource "google_project_iam_audit_config" "main" {
  for_each = toset(local.audited_services)

  project = var.project_id
  service = each.value

  audit_log_config {
    log_type = "ADMIN_READ"
  }

  audit_log_config {
    log_type = "DATA_READ"
  }

  audit_log_config {
    log_type = "DATA_WRITE"
  }
}
