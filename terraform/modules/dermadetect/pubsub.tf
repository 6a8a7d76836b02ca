# Analysis requests (docs/design.md section 6): the outbox relay and the sweeper publish
# {case_id, job_key}; analyzeCase receives them through a push subscription this module owns,
# so the dead-letter policy, retry policy and ack deadline are under our control (an
# Eventarc-managed subscription allows none of them from terraform: see
# docs/decisions/2026-11-pubsub-owned-push-subscription.md).

locals {
  analysis_topic     = "case-analysis-requested"
  analysis_dlq_topic = "case-analysis-requested-dlq"
  # Messages carry ids only, but ids of patients' cases: keep them in the deployment region.
  message_regions = [var.region]
}

# The requests and their dead letters: one block, so both keep messages in the region alike.
resource "google_pubsub_topic" "main" {
  for_each = {
    analysis     = local.analysis_topic
    analysis_dlq = local.analysis_dlq_topic
  }

  project = var.project_id
  name    = each.value
  labels  = local.labels

  message_storage_policy {
    allowed_persistence_regions = local.message_regions
  }

  depends_on = [google_project_service.main]
}

resource "google_pubsub_subscription" "analysis_push" {
  project = var.project_id
  name    = "${local.analysis_topic}-push"
  topic   = google_pubsub_topic.main["analysis"].id
  labels  = local.labels

  # For push the ack deadline is also the HTTP request timeout: keep it at or above the
  # function timeout so a slow MedGemma call is not redelivered while it still runs.
  ack_deadline_seconds       = 600
  message_retention_duration = "604800s"
  retain_acked_messages      = false

  push_config {
    # The path names the topic for the Functions Framework, which turns the push body into the
    # CloudEvent analyzeCase's onMessagePublished code reads (terraform/test/push-delivery.spec.ts).
    push_endpoint = "${module.functions["analyzeCase"].uri}/projects/${var.project_id}/topics/${local.analysis_topic}"

    oidc_token {
      service_account_email = google_service_account.analysis_push.email
      audience              = module.functions["analyzeCase"].uri
    }
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.main["analysis_dlq"].id
    max_delivery_attempts = 5
  }

  expiration_policy {
    ttl = ""
  }

  depends_on = [
    google_pubsub_topic_iam_member.dlq_publisher,
    google_service_account_iam_member.pubsub_push_token_creator,
  ]
}

# A dead-letter topic without a subscription drops messages. This pull subscription keeps every
# dead-lettered request for 7 days: it is what the DLQ alert watches and what the runbook
# replays from. analysisDeadLetter receives its own copy through Eventarc.
resource "google_pubsub_subscription" "analysis_dlq_hold" {
  project = var.project_id
  name    = "${local.analysis_dlq_topic}-hold"
  topic   = google_pubsub_topic.main["analysis_dlq"].id
  labels  = local.labels

  ack_deadline_seconds       = 60
  message_retention_duration = "604800s"
  retain_acked_messages      = true

  expiration_policy {
    ttl = ""
  }
}
