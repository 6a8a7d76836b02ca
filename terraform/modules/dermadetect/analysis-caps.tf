# AI cost caps (docs/runbook.md, "AI cost caps"): analyzeCase writes one WARNING line per job a
# cap stops ("analysis limited", stage quota, outcome limited, the cap's name in `quota`). Those
# cases reach the doctors without AI, so any of them pages: either a device is misbehaving or
# the caps are too low for the load.
resource "google_logging_metric" "analysis_limited" {
  project = var.project_id
  name    = "dermadetect_analysis_limited"
  filter  = "resource.type=\"cloud_run_revision\" AND jsonPayload.stage=\"quota\" AND jsonPayload.outcome=\"limited\""

  label_extractors = {
    quota = "EXTRACT(jsonPayload.quota)"
  }

  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    unit        = "1"

    labels {
      key         = "quota"
      value_type  = "STRING"
      description = "The cap a job ran into: chw_hour, chw_day or global_hour"
    }
  }
}

resource "google_monitoring_alert_policy" "analysis_limited" {
  project               = var.project_id
  display_name          = "DermaDetect ${var.environment}: AI analyses limited by a cost cap"
  combiner              = "OR"
  notification_channels = local.notification_channels

  conditions {
    display_name = "Analyses stopped by a cost cap, per cap"

    condition_threshold {
      filter          = "resource.type = \"cloud_run_revision\" AND metric.type = \"logging.googleapis.com/user/${google_logging_metric.analysis_limited.name}\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"

      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["metric.label.quota"]
      }
    }
  }

  documentation {
    mime_type = "text/markdown"
    content   = "RED cases reach doctors without AI because a cost cap was reached. See docs/runbook.md, \"AI cost caps\"."
  }

  user_labels = local.labels
}
