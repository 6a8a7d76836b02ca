variable "project_id" {
  description = "Project that owns the function."
  type        = string
}

variable "region" {
  description = "Region the function runs in."
  type        = string
}

variable "name" {
  description = "Deployed function name; equals the export name in functions/src/index.ts."
  type        = string
}

variable "entry_point" {
  description = "Export of the built bundle (functions/lib/index.js) that the Functions Framework calls."
  type        = string
}

variable "description" {
  description = "One line on what the function does, shown in the console."
  type        = string
}

variable "runtime" {
  description = "Cloud Functions runtime; nodejs22 (nodejs20 was decommissioned on 2026-10-30)."
  type        = string
  default     = "nodejs22"

  validation {
    condition     = var.runtime == "nodejs22"
    error_message = "DermaDetect runs on nodejs22 only (docs/design.md section 2)."
  }
}

variable "source_bucket" {
  description = "Bucket holding the source archive."
  type        = string
}

variable "source_object" {
  description = "Object name of the source archive (content-addressed, so a new build redeploys)."
  type        = string
}

variable "service_account_email" {
  description = "The function's own runtime service account (one per function)."
  type        = string
}

variable "build_service_account" {
  description = "Resource id (projects/{p}/serviceAccounts/{email}) of the Cloud Build identity that builds the function."
  type        = string
}

variable "memory" {
  description = "Memory per instance, for example 256Mi or 1Gi."
  type        = string
}

variable "cpu" {
  description = "vCPUs per instance; concurrency above 1 needs at least 1 vCPU."
  type        = string
}

variable "timeout_seconds" {
  description = "Request timeout; event functions allow at most 540 s, HTTP functions 3600 s."
  type        = number
}

variable "concurrency" {
  description = "Requests one instance serves at once."
  type        = number
}

variable "min_instances" {
  description = "Instances kept warm."
  type        = number
}

variable "max_instances" {
  description = "Upper bound on instances: caps cost and the load on Firestore and MedGemma."
  type        = number
}

variable "ingress" {
  description = "ALLOW_ALL, ALLOW_INTERNAL_ONLY or ALLOW_INTERNAL_AND_GCLB."
  type        = string
}

variable "environment_variables" {
  description = "Runtime environment variables: the firebase-functions params of functions/src/config.ts."
  type        = map(string)
}

variable "build_environment_variables" {
  description = "Build-time environment variables for the buildpack."
  type        = map(string)
  default     = {}
}

variable "secret_environment_variables" {
  description = "Secret Manager secrets exposed as environment variables: env var name => secret id (latest version)."
  type        = map(string)
  default     = {}
}

variable "event_trigger" {
  description = "Eventarc trigger; null for functions invoked over HTTPS (api, the scheduler target and the owned push subscription target)."
  type = object({
    event_type     = string
    trigger_region = string
    retry          = bool
    pubsub_topic   = optional(string)
    filters = list(object({
      attribute = string
      value     = string
      operator  = optional(string)
    }))
  })
  default = null
}

variable "labels" {
  description = "Labels for the function and its Cloud Run service."
  type        = map(string)
  default     = {}
}
