# The health check reads this one with `terraform output -raw api_url`.
output "api_url" {
  description = "Base URL of the HTTPS API."
  value       = module.dermadetect.api_url
}

# Everything else the operator reads (bucket, DLQ hold subscription, MedGemma endpoint, Hosting
# sites, front door IP) is an output of the stack module: `terraform output dermadetect`. The web
# apps' config is left out of it: it is sensitive (below), and a root output holding a sensitive
# value must be sensitive as a whole, which would hide everything else from a plain read.
output "dermadetect" {
  description = "Every output of modules/dermadetect but web_configs, by name (see its outputs table)."
  value       = { for name, value in module.dermadetect : name => value if name != "web_configs" }
}

output "web_configs" {
  description = "Runtime config of each web app (console: its /config.json; chw: the DD_WEB_CONFIG file of its build)."
  value       = module.dermadetect.web_configs
  sensitive   = true
}
