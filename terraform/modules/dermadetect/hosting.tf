# Firebase Hosting for the two web apps: the clinician console (console/dist) and the CHW web app
# (mobile/dist). Terraform creates the sites and their web apps (the Firebase config each build
# embeds); `firebase deploy --only hosting` uploads the content and the headers in firebase.json
# (docs/runbook.md). The Hosting resources exist only in google-beta.
resource "google_firebase_web_app" "hosting" {
  for_each = local.hosting_sites
  provider = google-beta

  project         = var.project_id
  display_name    = each.value.display_name
  deletion_policy = "DELETE"

  depends_on = [google_project_service.main]
}

resource "google_firebase_hosting_site" "hosting" {
  for_each = local.hosting_sites
  provider = google-beta

  project = var.project_id
  site_id = each.value.site_id
  app_id  = google_firebase_web_app.hosting[each.key].app_id

  depends_on = [google_project_service.main]
}

locals {
  # firebase.json hosting target => site. Site ids are global: they default to the project id.
  hosting_sites = {
    console = {
      site_id      = coalesce(var.hosting_site_ids.console, "${var.project_id}-console")
      display_name = "DermaDetect clinician console"
    }
    chw = {
      site_id      = coalesce(var.hosting_site_ids.chw, "${var.project_id}-chw")
      display_name = "DermaDetect CHW web app"
    }
  }
}

# Each web app's Firebase config, for its public web API key (a browser bundle shows it anyway).
data "google_firebase_web_app_config" "hosting" {
  for_each = local.hosting_sites
  provider = google-beta

  project    = var.project_id
  web_app_id = google_firebase_web_app.hosting[each.key].app_id
}

locals {
  # The two sites' origins: the only ones the api answers cross-origin (API_CORS_ORIGINS).
  hosting_origins = [for k in sort(keys(local.hosting_sites)) : google_firebase_hosting_site.hosting[k].default_url]

  # Each web app's runtime config (contract/src/web-config.ts): the console serves it as
  # /config.json, the CHW web build bundles it (DD_WEB_CONFIG; docs/runbook.md). The apps call the
  # front door, which answers CORS for hosting_origins, whether or not api_front_door_only has
  # closed the direct URLs yet: a bundle built from it keeps working when they close.
  web_configs = {
    for k in keys(local.hosting_sites) : k => {
      projectId  = var.project_id
      apiKey     = data.google_firebase_web_app_config.hosting[k].api_key
      apiBaseUrl = "https://${local.api_host}"
    }
  }
}

output "web_configs" {
  description = "Runtime config of each web app (console: its /config.json; chw: the DD_WEB_CONFIG file of its build)."
  value       = local.web_configs
  # The web API key is public, but the provider may mark it sensitive; -json prints it anyway.
  sensitive = true
}
