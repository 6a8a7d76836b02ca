resource "google_monitoring_notification_channel" "email" {
  for_each = toset(var.alert_emails)

  project      = var.project_id
  display_name = "DermaDetect ${var.environment}: ${each.value}"
  type         = "email"

  labels = {
    email_address = each.value
  }

  depends_on = [google_project_service.main]
}

locals {
  notification_channels = [for c in google_monitoring_notification_channel.email : c.id]
}

# Any message in the dead-letter hold subscription is a case whose AI analysis gave up.
resource "google_monitoring_alert_policy" "dlq_not_empty" {
  project               = var.project_id
  display_name          = "DermaDetect ${var.environment}: analysis dead-letter queue not empty"
  combiner              = "OR"
  notification_channels = local.notification_channels

  conditions {
    display_name = "Undelivered messages in ${google_pubsub_subscription.analysis_dlq_hold.name}"

    condition_threshold {
      filter          = "resource.type = \"pubsub_subscription\" AND resource.labels.subscription_id = \"${google_pubsub_subscription.analysis_dlq_hold.name}\" AND metric.type = \"pubsub.googleapis.com/subscription/num_undelivered_messages\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "60s"

      aggregations {
        alignment_period   = "60s"
        per_series_aligner = "ALIGN_MAX"
      }
    }
  }

  documentation {
    mime_type = "text/markdown"
    content   = "Analysis requests were dead-lettered after 5 deliveries. See docs/runbook.md, \"Replaying the dead-letter queue\"."
  }

  user_labels = local.labels
}

# Functions are Cloud Run services: a share of 5xx answers above the threshold means a function
# is failing (Eventarc and Pub/Sub push count a thrown error as a 5xx).
resource "google_monitoring_alert_policy" "function_errors" {
  project               = var.project_id
  display_name          = "DermaDetect ${var.environment}: function error rate"
  combiner              = "OR"
  notification_channels = local.notification_channels

  conditions {
    display_name = "5xx share of a function's requests over 5 minutes"

    condition_threshold {
      filter             = "resource.type = \"cloud_run_revision\" AND metric.type = \"run.googleapis.com/request_count\" AND metric.labels.response_code_class = \"5xx\""
      denominator_filter = "resource.type = \"cloud_run_revision\" AND metric.type = \"run.googleapis.com/request_count\""
      comparison         = "COMPARISON_GT"
      threshold_value    = var.function_error_ratio_threshold
      duration           = "300s"

      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_RATE"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["resource.label.service_name"]
      }

      denominator_aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_RATE"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["resource.label.service_name"]
      }
    }
  }

  conditions {
    display_name = "ERROR log entries from the functions"

    condition_threshold {
      filter          = "resource.type = \"cloud_run_revision\" AND metric.type = \"logging.googleapis.com/user/${google_logging_metric.function_error_logs.name}\""
      comparison      = "COMPARISON_GT"
      threshold_value = 5
      duration        = "0s"

      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["resource.label.service_name"]
      }
    }
  }

  documentation {
    mime_type = "text/markdown"
    content   = "A function answers errors. See docs/runbook.md, \"Incident checklist\"."
  }

  user_labels = local.labels
}

# Handled failures answer 2xx (they are acknowledged on purpose), so they are counted from the
# structured ERROR entries the logger writes.
resource "google_logging_metric" "function_error_logs" {
  project = var.project_id
  name    = "dermadetect_function_error_logs"
  filter  = "resource.type=\"cloud_run_revision\" AND severity>=ERROR"

  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    unit        = "1"
  }
}

# Time analyzeCase spends on one delivery, from its "analysis finished" line (stage analysed).
resource "google_logging_metric" "analysis_duration" {
  project         = var.project_id
  name            = "dermadetect_analysis_duration_ms"
  filter          = "resource.type=\"cloud_run_revision\" AND jsonPayload.stage=\"analysed\" AND jsonPayload.duration_ms>=0"
  value_extractor = "EXTRACT(jsonPayload.duration_ms)"

  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "DISTRIBUTION"
    unit        = "ms"
  }

  bucket_options {
    exponential_buckets {
      num_finite_buckets = 32
      growth_factor      = 1.5
      scale              = 100
    }
  }
}

# Turnaround: a request waiting longer than the objective, or analyses slower than it.
resource "google_monitoring_alert_policy" "analysis_turnaround" {
  project               = var.project_id
  display_name          = "DermaDetect ${var.environment}: analysis turnaround"
  combiner              = "OR"
  notification_channels = local.notification_channels

  conditions {
    display_name = "Oldest unacknowledged analysis request"

    condition_threshold {
      filter          = "resource.type = \"pubsub_subscription\" AND resource.labels.subscription_id = \"${google_pubsub_subscription.analysis_push.name}\" AND metric.type = \"pubsub.googleapis.com/subscription/oldest_unacked_message_age\""
      comparison      = "COMPARISON_GT"
      threshold_value = var.analysis_turnaround_slo_seconds
      duration        = "300s"

      aggregations {
        alignment_period   = "60s"
        per_series_aligner = "ALIGN_MAX"
      }
    }
  }

  conditions {
    display_name = "95th percentile analysis duration"

    condition_threshold {
      filter          = "resource.type = \"cloud_run_revision\" AND metric.type = \"logging.googleapis.com/user/${google_logging_metric.analysis_duration.name}\""
      comparison      = "COMPARISON_GT"
      threshold_value = var.analysis_turnaround_slo_seconds * 1000
      duration        = "0s"

      aggregations {
        alignment_period     = "900s"
        per_series_aligner   = "ALIGN_DELTA"
        cross_series_reducer = "REDUCE_PERCENTILE_95"
      }
    }
  }

  documentation {
    mime_type = "text/markdown"
    content   = "RED cases are waiting for MedGemma longer than the objective. See docs/runbook.md, \"Incident checklist\"."
  }

  user_labels = local.labels
}

# sweepSyncBatches logs one WARNING line with `alert = "sync_batch_stranded"` when it finds sync
# batches whose applySync event never ran: it re-drives them, and the alert says events are
# being lost (docs/runbook.md, "Stranded sync batches").
resource "google_logging_metric" "stranded_sync_batches" {
  project = var.project_id
  name    = "dermadetect_stranded_sync_batches"
  filter  = "resource.type=\"cloud_run_revision\" AND jsonPayload.alert=\"sync_batch_stranded\""

  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    unit        = "1"
  }
}

resource "google_monitoring_alert_policy" "stranded_sync_batches" {
  project               = var.project_id
  display_name          = "DermaDetect ${var.environment}: stranded sync batches"
  combiner              = "OR"
  notification_channels = local.notification_channels

  conditions {
    display_name = "sweepSyncBatches re-drove batches applySync never applied"

    condition_threshold {
      filter          = "resource.type = \"cloud_run_revision\" AND metric.type = \"logging.googleapis.com/user/${google_logging_metric.stranded_sync_batches.name}\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"

      aggregations {
        alignment_period     = "600s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
      }
    }
  }

  documentation {
    mime_type = "text/markdown"
    content   = "Sync batches sat pending until the sweeper re-drove them. See docs/runbook.md, \"Stranded sync batches\"."
  }

  user_labels = local.labels
}
