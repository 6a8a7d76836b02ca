output "api_url" {
  description = "Base URL of the HTTPS API, the front door's host (append /v1/health to check it); the clients' API base URL."
  value       = "https://${local.api_host}"
}

output "function_names" {
  description = "Deployed function names (equal to the exports of functions/src/index.ts)."
  value       = sort(keys(module.functions))
}

output "function_service_accounts" {
  description = "Runtime service account email of each function."
  value       = { for name, sa in google_service_account.functions : name => sa.email }
}

output "images_bucket" {
  description = "Bucket holding case photos (IMAGES_BUCKET)."
  value       = google_storage_bucket.images.name
}

output "functions_source_object" {
  description = "gs:// path of the deployed source archive."
  value       = "gs://${google_storage_bucket.functions_source.name}/${google_storage_bucket_object.functions_source.name}"
}

output "analysis_pubsub" {
  description = "Pub/Sub names of the analysis requests: topic, dlq_topic, push_subscription (delivers to analyzeCase) and dlq_hold_subscription (keeps dead letters for inspection and replay)."
  value = {
    topic                 = google_pubsub_topic.main["analysis"].name
    dlq_topic             = google_pubsub_topic.main["analysis_dlq"].name
    push_subscription     = google_pubsub_subscription.analysis_push.name
    dlq_hold_subscription = google_pubsub_subscription.analysis_dlq_hold.name
  }
}

output "medgemma_endpoint_id" {
  description = "Vertex AI endpoint id analyzeCase calls (MEDGEMMA_ENDPOINT_ID)."
  value       = local.medgemma_endpoint_id
}

output "firestore_database" {
  description = "Name of the Firestore database."
  value       = google_firestore_database.main.name
}

output "hosting_sites" {
  description = "Firebase Hosting site id and default URL per firebase.json hosting target (console, chw)."
  value = {
    for k, s in google_firebase_hosting_site.hosting : k => {
      site_id = s.site_id
      url     = s.default_url
    }
  }
}
