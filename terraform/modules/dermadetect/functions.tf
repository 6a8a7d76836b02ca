# Gen2 functions built from functions/ (docs/design.md section 2). `npm run build` bundles
# functions/src into functions/lib/index.js; terraform zips that bundle with a deploy-only
# package.json, uploads it under a content hash and deploys every function from it.

locals {
  functions_package = jsondecode(file("${var.functions_source_dir}/package.json"))

  # Cloud Build installs from this manifest. Registry dependencies only: build.mjs inlines the
  # contract workspace, and devDependencies name workspace packages the registry does not have.
  deploy_package = {
    name         = local.functions_package.name
    version      = local.functions_package.version
    private      = true
    type         = local.functions_package.type
    main         = local.functions_package.main
    engines      = local.functions_package.engines
    dependencies = local.functions_package.dependencies
  }

  # One entry per export of functions/src/index.ts (docs/decisions/2026-11-data-layout.md).
  # The key is the deployed name and the entry point; `trigger` mirrors the code's trigger
  # (terraform/test/consistency.spec.ts compares both with each export's __endpoint).
  # kind: https (public API), schedule (Cloud Scheduler -> HTTPS), pubsub_push (owned push
  # subscription -> HTTPS), pubsub | firestore | storage (Eventarc trigger).
  functions = {
    api = {
      description = "HTTPS API: sync, signed image uploads, diagnoses, health (docs/design.md section 5)"
      trigger     = { kind = "https", event_type = null, document = null, topic = null, schedule = null, retry = null }
      memory      = "512Mi"
      cpu         = "1"
      timeout     = 120
      concurrency = 40
      min         = 0
      max         = 20
      # With api_front_door_only (the default), only the HTTPS load balancer (frontdoor.tf), whose
      # Cloud Armor policy runs first; the clients call it (web_configs, npm run release:config).
      # false keeps the direct URLs open while an old deployment's clients move (docs/runbook.md).
      ingress = var.api_front_door_only ? "ALLOW_INTERNAL_AND_GCLB" : "ALLOW_ALL"
    }
    applySync = {
      description = "Applies a device's syncBatches/{batchId} document through the sync core"
      trigger     = { kind = "firestore", event_type = "google.cloud.firestore.document.v1.created.withAuthContext", document = "syncBatches/{batchId}", topic = null, schedule = null, retry = true }
      memory      = "512Mi"
      cpu         = "1"
      timeout     = 300
      concurrency = 10
      min         = 0
      max         = 20
      ingress     = "ALLOW_INTERNAL_ONLY"
    }
    relayAnalysisJob = {
      description = "Publishes a new analysisJobs/{jobKey} outbox document to case-analysis-requested"
      trigger     = { kind = "firestore", event_type = "google.cloud.firestore.document.v1.created", document = "analysisJobs/{jobKey}", topic = null, schedule = null, retry = false }
      memory      = "256Mi"
      cpu         = "1"
      timeout     = 60
      concurrency = 20
      min         = 0
      max         = 10
      ingress     = "ALLOW_INTERNAL_ONLY"
    }
    sweepAnalysisJobs = {
      description = "Every minute, republishes analysis jobs left unpublished past their lease"
      trigger     = { kind = "schedule", event_type = null, document = null, topic = null, schedule = "every 1 minutes", retry = null }
      memory      = "256Mi"
      cpu         = "1"
      timeout     = 120
      concurrency = 1
      min         = 0
      max         = 1
      ingress     = "ALLOW_INTERNAL_ONLY"
    }
    sweepOverdueCases = {
      description = "Every minute, puts RED cases whose AI analysis is overdue into the doctors' queue"
      trigger     = { kind = "schedule", event_type = null, document = null, topic = null, schedule = "every 1 minutes", retry = null }
      memory      = "256Mi"
      cpu         = "1"
      timeout     = 120
      concurrency = 1
      min         = 0
      max         = 1
      ingress     = "ALLOW_INTERNAL_ONLY"
    }
    sweepSyncBatches = {
      description = "Every 5 minutes, re-drives syncBatches documents whose applySync event never ran"
      trigger     = { kind = "schedule", event_type = null, document = null, topic = null, schedule = "every 5 minutes", retry = null }
      memory      = "512Mi"
      cpu         = "1"
      timeout     = 300
      concurrency = 1
      min         = 0
      max         = 1
      ingress     = "ALLOW_INTERNAL_ONLY"
    }
    analyzeCase = {
      description = "Runs MedGemma on a case-analysis-requested message (owned push subscription)"
      trigger     = { kind = "pubsub_push", event_type = null, document = null, topic = "case-analysis-requested", schedule = null, retry = null }
      memory      = "512Mi"
      cpu         = "1"
      timeout     = 540
      concurrency = 4
      min         = 0
      max         = 10
      ingress     = "ALLOW_INTERNAL_ONLY"
    }
    analysisDeadLetter = {
      description = "Marks a dead-lettered analysis job failed (case-analysis-requested-dlq)"
      trigger     = { kind = "pubsub", event_type = "google.cloud.pubsub.topic.v1.messagePublished", document = null, topic = "case-analysis-requested-dlq", schedule = null, retry = false }
      memory      = "256Mi"
      cpu         = "1"
      timeout     = 60
      concurrency = 10
      min         = 0
      max         = 2
      ingress     = "ALLOW_INTERNAL_ONLY"
    }
    verifyImage = {
      description = "Verifies an uploaded photo's size, type and hash and marks it verified on the case"
      trigger     = { kind = "storage", event_type = "google.cloud.storage.object.v1.finalized", document = null, topic = null, schedule = null, retry = true }
      memory      = "512Mi"
      cpu         = "1"
      timeout     = 120
      concurrency = 8
      min         = 0
      max         = 10
      ingress     = "ALLOW_INTERNAL_ONLY"
    }
    onDiagnosisWritten = {
      description = "Normalises a diagnosis written in the console and marks the case DIAGNOSED"
      trigger     = { kind = "firestore", event_type = "google.cloud.firestore.document.v1.written", document = "diagnoses/{diagnosisId}", topic = null, schedule = null, retry = true }
      memory      = "256Mi"
      cpu         = "1"
      timeout     = 60
      concurrency = 10
      min         = 0
      max         = 10
      ingress     = "ALLOW_INTERNAL_ONLY"
    }
    updatePatientReview = {
      description = "Keeps review_pending/review_doctor_ids on a case's patient for the doctor rules"
      trigger     = { kind = "firestore", event_type = "google.cloud.firestore.document.v1.written", document = "cases/{caseId}", topic = null, schedule = null, retry = true }
      memory      = "256Mi"
      cpu         = "1"
      timeout     = 60
      concurrency = 10
      min         = 0
      max         = 10
      ingress     = "ALLOW_INTERNAL_ONLY"
    }
  }

  # Topic name => id, for the Pub/Sub-triggered functions' `topic`.
  topic_ids = { for t in google_pubsub_topic.main : t.name => t.id }

  firestore_filters = {
    for name, f in local.functions : name => [
      { attribute = "database", value = "(default)", operator = null },
      { attribute = "namespace", value = "(default)", operator = null },
      { attribute = "document", value = f.trigger.document, operator = "match-path-pattern" },
    ] if f.trigger.kind == "firestore"
  }

  # Eventarc triggers of the functions that have one. Firestore events are emitted in the
  # database's location, Storage events in the bucket's.
  event_triggers = {
    for name, f in local.functions : name => {
      event_type     = f.trigger.event_type
      trigger_region = f.trigger.kind == "firestore" ? var.firestore_location : var.region
      retry          = f.trigger.retry
      pubsub_topic   = f.trigger.kind == "pubsub" ? local.topic_ids[f.trigger.topic] : null
      filters = (f.trigger.kind == "firestore" ? local.firestore_filters[name] :
        f.trigger.kind == "storage" ? [{ attribute = "bucket", value = google_storage_bucket.images.name, operator = null }] : []
      )
    } if contains(["firestore", "pubsub", "storage"], f.trigger.kind)
  }

  medgemma_endpoint_id = (var.medgemma_deployment.enabled
    ? google_vertex_ai_endpoint_with_model_garden_deployment.medgemma[0].endpoint
  : var.medgemma.endpoint_id)

  # Runtime environment: the firebase-functions params declared in functions/src/config.ts
  # (test/consistency.spec.ts checks the names), plus the project identity that firebase-admin
  # and the token verifier read (the Firebase CLI sets these two itself; terraform must).
  function_env = {
    GCLOUD_PROJECT = var.project_id
    FIREBASE_CONFIG = jsonencode({
      projectId     = var.project_id
      storageBucket = google_storage_bucket.images.name
      locationId    = var.firestore_location
    })
    REGION                 = var.region
    MAX_BODY_BYTES         = tostring(var.max_body_bytes)
    IMAGES_BUCKET          = google_storage_bucket.images.name
    MEDGEMMA_PROVIDER      = var.medgemma.provider
    MEDGEMMA_BASE_URL      = var.medgemma.base_url
    MEDGEMMA_PROJECT       = var.medgemma.project
    MEDGEMMA_REGION        = var.medgemma.region
    MEDGEMMA_ENDPOINT_ID   = local.medgemma_endpoint_id
    MEDGEMMA_DEDICATED     = tostring(var.medgemma.dedicated)
    MEDGEMMA_DEDICATED_DNS = var.medgemma.dedicated_dns
    MEDGEMMA_MODEL_ID      = var.medgemma.model_id
    MEDGEMMA_TIMEOUT_MS    = tostring(var.medgemma.timeout_ms)
    MEDGEMMA_MAX_TOKENS    = tostring(var.medgemma.max_tokens)
    API_CORS_ORIGINS       = join(",", local.hosting_origins)
  }

  # Secret Manager secrets bound as environment variables: function => { ENV_NAME = secret id }.
  # Only secrets the code reads belong here (consistency.spec.ts): those it declares with
  # defineSecret, and analyzeCase's MEDGEMMA_API_KEY, the bearer token of an OpenAI-compatible
  # MedGemma server that adapters/medgemma-client.ts reads from the environment.
  function_secrets = {
    api                 = {}
    applySync           = {}
    relayAnalysisJob    = {}
    sweepAnalysisJobs   = {}
    sweepOverdueCases   = {}
    sweepSyncBatches    = {}
    analyzeCase         = { MEDGEMMA_API_KEY = "medgemma-api-key" }
    analysisDeadLetter  = {}
    verifyImage         = {}
    onDiagnosisWritten  = {}
    updatePatientReview = {}
  }

  # What is bound. Vertex authenticates as the function's service account and needs no token,
  # and binding a secret that has no version fails the deploy, so MEDGEMMA_API_KEY is bound (and
  # its secret created and granted, secrets.tf) only with provider openai.
  bound_secrets = {
    for name, env in local.function_secrets : name => {
      for key, id in env : key => id if key != "MEDGEMMA_API_KEY" || var.medgemma.provider == "openai"
    }
  }

  # analyzeCase is invoked by the owned push subscription, not by Eventarc. Its code is an
  # onMessagePublished (CloudEvent) function; the cloudevent signature makes the Functions
  # Framework unwrap the push envelope into the CloudEvent it expects (see the ADR).
  build_env = {
    analyzeCase = { GOOGLE_FUNCTION_SIGNATURE_TYPE = "cloudevent" }
  }

  # Cloud Scheduler job of each schedule-triggered function: function => the job's description.
  # The job calls the function over HTTPS with an OIDC token (what `firebase deploy` does for
  # onSchedule functions), on the schedule and deadline of its entry in local.functions.
  scheduler_jobs = {
    # The outbox: analysis jobs never stay unpublished (docs/design.md section 5).
    sweepAnalysisJobs = "Republishes analysis jobs stuck unpublished (docs/design.md section 5, outbox)"
    # RED cases never wait unseen for the AI.
    sweepOverdueCases = "Queues RED cases whose AI analysis is overdue for a doctor"
    # No acknowledged batch waits for ever.
    sweepSyncBatches = "Re-drives sync batches left pending (their applySync event never ran)"
  }
}

data "archive_file" "functions_source" {
  type        = "zip"
  output_path = "${path.root}/.build/functions-source.zip"

  source {
    content  = jsonencode(local.deploy_package)
    filename = "package.json"
  }

  source {
    content  = file("${var.functions_source_dir}/lib/index.js")
    filename = "lib/index.js"
  }
}

resource "google_storage_bucket_object" "functions_source" {
  bucket = google_storage_bucket.functions_source.name
  name   = "functions-${data.archive_file.functions_source.output_sha256}.zip"
  source = data.archive_file.functions_source.output_path
}

module "functions" {
  source   = "../function"
  for_each = local.functions

  project_id                   = var.project_id
  region                       = var.region
  name                         = each.key
  entry_point                  = each.key
  description                  = each.value.description
  source_bucket                = google_storage_bucket.functions_source.name
  source_object                = google_storage_bucket_object.functions_source.name
  service_account_email        = google_service_account.functions[each.key].email
  build_service_account        = google_service_account.builder.id
  memory                       = each.value.memory
  cpu                          = each.value.cpu
  timeout_seconds              = each.value.timeout
  concurrency                  = each.value.concurrency
  min_instances                = each.value.min
  max_instances                = each.value.max
  ingress                      = each.value.ingress
  environment_variables        = local.function_env
  build_environment_variables  = lookup(local.build_env, each.key, {})
  secret_environment_variables = local.bound_secrets[each.key]
  event_trigger                = lookup(local.event_triggers, each.key, null)
  labels                       = local.labels

  depends_on = [
    google_project_iam_member.functions,
    google_project_iam_member.builder,
    google_project_iam_member.eventarc_receivers,
    google_project_iam_member.storage_agent_publisher,
    google_secret_manager_secret_iam_member.functions,
  ]
}

# Cloud Scheduler calls each function of local.scheduler_jobs as the scheduler identity.
resource "google_cloud_scheduler_job" "main" {
  for_each = local.scheduler_jobs

  name             = each.key
  description      = each.value
  schedule         = local.functions[each.key].trigger.schedule
  time_zone        = "Etc/UTC"
  attempt_deadline = "${local.functions[each.key].timeout}s"
  project          = var.project_id
  region           = var.region

  retry_config {
    retry_count = 0
  }

  http_target {
    http_method = "POST"
    uri         = module.functions[each.key].uri

    oidc_token {
      service_account_email = google_service_account.scheduler.email
      audience              = module.functions[each.key].uri
    }
  }

  depends_on = [google_cloud_run_service_iam_member.scheduler_invokers]
}
