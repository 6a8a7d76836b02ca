variable "project_id" {
  description = "Google Cloud project to deploy into (a real project: demo-* ids are emulator-only)."
  type        = string

  validation {
    condition     = !startswith(var.project_id, "demo-")
    error_message = "demo-* project ids are reserved for the local emulator stack."
  }
}

variable "environment" {
  description = "Deployment name, used in labels and resource names: staging or prod."
  type        = string

  validation {
    condition     = contains(["staging", "prod"], var.environment)
    error_message = "environment must be staging or prod."
  }
}

variable "region" {
  description = "Region of the functions, the Pub/Sub message storage, the buckets and the scheduler (for example us-central1)."
  type        = string
}

variable "firestore_location" {
  description = "Location of the (default) Firestore database, for example nam5 or us-central1; Firestore triggers run in this location. Cannot change after creation."
  type        = string
}

variable "functions_source_dir" {
  description = "Path to the functions/ workspace; `npm run build` must have written lib/index.js before plan."
  type        = string
}

variable "firestore_rules_path" {
  description = "Path to firestore.rules (the file firebase.json names), released to Cloud Firestore."
  type        = string
}

variable "firestore_indexes_path" {
  description = "Path to firestore.indexes.json (the file firebase.json names); every composite index in it is created."
  type        = string
}

variable "deletion_protection" {
  description = "Protect the Firestore database and the images bucket from terraform destroy (true for prod)."
  type        = bool
}

variable "upload_cors_origins" {
  description = "Web origins allowed to PUT images with signed URLs (native apps need none; the web build does)."
  type        = list(string)
}

variable "image_noncurrent_retention_days" {
  description = "Days an overwritten or deleted image version is kept before lifecycle deletes it."
  type        = number
  default     = 30
}

variable "max_body_bytes" {
  description = "MAX_BODY_BYTES param: largest sync request body the api accepts, in bytes."
  type        = number
  default     = 2000000
}

variable "api_public_access" {
  description = "Let any client reach the api function (Cloud Run IAM cannot check Firebase ID tokens; the api verifies them itself). false keeps it private, e.g. behind a gateway."
  type        = bool
  default     = true
}

variable "medgemma" {
  description = "How analyzeCase reaches MedGemma (MEDGEMMA_* params). provider vertex: project (empty = this project), region, endpoint_id (ignored when medgemma_deployment.enabled), dedicated; provider openai: base_url of a vLLM/Ollama server."
  type = object({
    provider      = string
    base_url      = string
    project       = string
    region        = string
    endpoint_id   = string
    dedicated     = bool
    dedicated_dns = string
    model_id      = string
    timeout_ms    = number
    max_tokens    = number
  })

  validation {
    condition     = contains(["vertex", "openai"], var.medgemma.provider)
    error_message = "medgemma.provider must be vertex or openai."
  }
}

variable "medgemma_deployment" {
  description = "Optional MedGemma Model Garden endpoint (google_vertex_ai_endpoint_with_model_garden_deployment). GPUs bill 24/7 while min_replicas >= 1."
  type = object({
    enabled              = bool
    publisher_model_name = string
    machine_type         = string
    accelerator_type     = string
    accelerator_count    = number
    min_replicas         = number
    max_replicas         = number
  })
  default = {
    enabled              = false
    publisher_model_name = "publishers/google/models/medgemma@medgemma-4b-it"
    machine_type         = "g2-standard-24"
    accelerator_type     = "NVIDIA_L4"
    accelerator_count    = 2
    min_replicas         = 1
    max_replicas         = 1
  }
}


variable "alert_emails" {
  description = "Email addresses notified by the alert policies."
  type        = list(string)
}

variable "function_error_ratio_threshold" {
  description = "Share of 5xx responses of a function, over 5 minutes, that opens an incident."
  type        = number
  default     = 0.05
}

variable "analysis_turnaround_slo_seconds" {
  description = "Analysis turnaround objective: an analysis request older than this, or a slower analysis, opens an incident."
  type        = number
  default     = 900
}

variable "labels" {
  description = "Labels added to every labelled resource."
  type        = map(string)
  default     = {}
}

variable "hosting_site_ids" {
  description = "Firebase Hosting site ids (globally unique) of the console and the CHW web app; null = <project>-console / <project>-chw."
  type = object({
    console = optional(string)
    chw     = optional(string)
  })
  default = {}
}
