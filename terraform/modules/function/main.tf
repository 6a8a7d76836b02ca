# One Cloud Functions gen2 function built from the shared source archive. Eventarc-triggered
# functions get their trigger here; HTTPS-invoked ones (api, the scheduler target, the push
# subscription target) get none, and their invokers are granted in the calling module.
resource "google_cloudfunctions2_function" "main" {
  project     = var.project_id
  location    = var.region
  name        = var.name
  description = var.description
  labels      = var.labels

  build_config {
    runtime               = var.runtime
    entry_point           = var.entry_point
    environment_variables = var.build_environment_variables
    service_account       = var.build_service_account

    source {
      storage_source {
        bucket = var.source_bucket
        object = var.source_object
      }
    }
  }

  service_config {
    service_account_email            = var.service_account_email
    available_memory                 = var.memory
    available_cpu                    = var.cpu
    timeout_seconds                  = var.timeout_seconds
    max_instance_request_concurrency = var.concurrency
    min_instance_count               = var.min_instances
    max_instance_count               = var.max_instances
    ingress_settings                 = var.ingress
    all_traffic_on_latest_revision   = true
    environment_variables            = var.environment_variables

    dynamic "secret_environment_variables" {
      for_each = var.secret_environment_variables
      content {
        key        = secret_environment_variables.key
        project_id = var.project_id
        secret     = secret_environment_variables.value
        version    = "latest"
      }
    }
  }

  dynamic "event_trigger" {
    for_each = var.event_trigger == null ? [] : [var.event_trigger]
    content {
      trigger_region        = event_trigger.value.trigger_region
      event_type            = event_trigger.value.event_type
      pubsub_topic          = event_trigger.value.pubsub_topic
      retry_policy          = event_trigger.value.retry ? "RETRY_POLICY_RETRY" : "RETRY_POLICY_DO_NOT_RETRY"
      service_account_email = var.service_account_email

      dynamic "event_filters" {
        for_each = event_trigger.value.filters
        content {
          attribute = event_filters.value.attribute
          value     = event_filters.value.value
          operator  = event_filters.value.operator
        }
      }
    }
  }
}

# Eventarc delivers to the function's Cloud Run service as the trigger service account (the
# function's own), so that account must be allowed to invoke its own service.
resource "google_cloud_run_service_iam_member" "self_invoker" {
  count = var.event_trigger == null ? 0 : 1

  project  = var.project_id
  location = var.region
  service  = google_cloudfunctions2_function.main.service_config[0].service
  role     = "roles/run.invoker"
  member   = "serviceAccount:${var.service_account_email}"
}
