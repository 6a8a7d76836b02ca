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

output "analysis_topic" {
  description = "Topic of analysis requests."
  value       = google_pubsub_topic.analysis.name
}

output "analysis_dlq_topic" {
  description = "Dead-letter topic of analysis requests."
  value       = google_pubsub_topic.analysis_dlq.name
}

output "analysis_push_subscription" {
  description = "Owned push subscription that delivers analysis requests to analyzeCase."
  value       = google_pubsub_subscription.analysis_push.name
}

output "analysis_dlq_hold_subscription" {
  description = "Pull subscription that keeps dead-lettered requests for inspection and replay."
  value       = google_pubsub_subscription.analysis_dlq_hold.name
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
