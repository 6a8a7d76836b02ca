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
