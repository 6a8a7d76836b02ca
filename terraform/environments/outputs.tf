# The health check reads this one with `terraform output -raw api_url`.
output "api_url" {
  description = "Base URL of the HTTPS API."
  value       = module.dermadetect.api_url
}

# Everything else the operator reads (bucket, DLQ hold subscription, MedGemma endpoint, Hosting
# sites, front door IP) is an output of the stack module: `terraform output dermadetect`.
output "dermadetect" {
  description = "Every output of modules/dermadetect, by name (see its outputs table)."
  value       = module.dermadetect
}
