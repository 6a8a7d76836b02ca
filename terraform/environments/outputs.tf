output "api_url" {
  description = "Base URL of the HTTPS API."
  value       = module.dermadetect.api_url
}

output "function_names" {
  description = "Deployed function names."
  value       = module.dermadetect.function_names
}

output "images_bucket" {
  description = "Bucket holding case photos."
  value       = module.dermadetect.images_bucket
}

output "analysis_dlq_hold_subscription" {
  description = "Pull subscription to inspect and replay dead-lettered analysis requests."
  value       = module.dermadetect.analysis_dlq_hold_subscription
}

output "medgemma_endpoint_id" {
  description = "Vertex AI endpoint id analyzeCase calls."
  value       = module.dermadetect.medgemma_endpoint_id
}

output "hosting_sites" {
  description = "Firebase Hosting site id and default URL per firebase.json hosting target (console, chw)."
  value       = module.dermadetect.hosting_sites
}

output "web_configs" {
  description = "Runtime config of each web app (console: its /config.json; chw: the DD_WEB_CONFIG file of its build)."
  value       = module.dermadetect.web_configs
  sensitive   = true
}
