# Secret Manager holds every secret a function reads: terraform creates the secret and its
# access grant, never a version, so no secret value passes through terraform state. Operators
# add versions with gcloud (docs/runbook.md, "Rotating secrets").

locals {
  secret_ids = toset(flatten([for name, env in local.bound_secrets : values(env)]))

  secret_bindings = {
    for pair in flatten([
      for name, env in local.bound_secrets : [
        for key, id in env : { function = name, secret = id }
      ]
    ]) : "${pair.function}|${pair.secret}" => pair
  }
}

resource "google_secret_manager_secret" "main" {
  for_each = local.secret_ids

  project   = var.project_id
  secret_id = each.value
  labels    = local.labels

  replication {
    user_managed {
      replicas {
        location = var.region
      }
    }
  }

  depends_on = [google_project_service.main]
}

# Each function reads only the secrets bound to it.
resource "google_secret_manager_secret_iam_member" "functions" {
  for_each = local.secret_bindings

  project   = var.project_id
  secret_id = google_secret_manager_secret.main[each.value.secret].secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.functions[each.value.function].email}"
}
