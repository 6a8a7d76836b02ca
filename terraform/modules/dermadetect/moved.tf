# Addresses that deployed stacks hold in their state from before these resources shared one
# for_each block. Each moved block lets the next plan rename the resource in state instead of
# destroying and recreating it; terraform/test/policy.spec.ts checks that none is missing.

moved {
  from = google_cloud_scheduler_job.sweep_analysis_jobs
  to   = google_cloud_scheduler_job.main["sweepAnalysisJobs"]
}

moved {
  from = google_cloud_scheduler_job.sweep_overdue_cases
  to   = google_cloud_scheduler_job.main["sweepOverdueCases"]
}

moved {
  from = google_cloud_scheduler_job.sweep_sync_batches
  to   = google_cloud_scheduler_job.main["sweepSyncBatches"]
}

moved {
  from = google_cloud_run_service_iam_member.scheduler_invoker
  to   = google_cloud_run_service_iam_member.scheduler_invokers["sweepAnalysisJobs"]
}

moved {
  from = google_cloud_run_service_iam_member.scheduler_invoker_overdue
  to   = google_cloud_run_service_iam_member.scheduler_invokers["sweepOverdueCases"]
}

moved {
  from = google_cloud_run_service_iam_member.scheduler_invoker_sync
  to   = google_cloud_run_service_iam_member.scheduler_invokers["sweepSyncBatches"]
}

moved {
  from = google_pubsub_topic.analysis
  to   = google_pubsub_topic.main["analysis"]
}

moved {
  from = google_pubsub_topic.analysis_dlq
  to   = google_pubsub_topic.main["analysis_dlq"]
}
