output "name" {
  description = "Deployed function name."
  value       = google_cloudfunctions2_function.main.name
}

output "uri" {
  description = "HTTPS URL of the function's Cloud Run service (push and scheduler targets use it)."
  value       = google_cloudfunctions2_function.main.service_config[0].uri
}

output "service" {
  description = "Name of the underlying Cloud Run service, for invoker bindings."
  value       = google_cloudfunctions2_function.main.service_config[0].service
}
