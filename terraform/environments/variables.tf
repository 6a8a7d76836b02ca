variable "project_id" {
  description = "Google Cloud project of this environment."
  type        = string
}

variable "region" {
  description = "Region of the functions, buckets, Pub/Sub storage and scheduler."
  type        = string
}

variable "firestore_location" {
  description = "Location of the (default) Firestore database (for example nam5); fixed at creation."
  type        = string
}

variable "upload_cors_origins" {
  description = "Web origins allowed to PUT images to signed URLs."
  type        = list(string)
}

variable "alert_emails" {
  description = "Email addresses notified by the alert policies."
  type        = list(string)
}

variable "medgemma" {
  description = "MedGemma connection (MEDGEMMA_* params); see modules/dermadetect/variables.tf."
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
}

variable "medgemma_deployment" {
  description = "Optional Model Garden deployment of MedGemma; see modules/dermadetect/variables.tf."
  type = object({
    enabled              = bool
    publisher_model_name = string
    machine_type         = string
    accelerator_type     = string
    accelerator_count    = number
    min_replicas         = number
    max_replicas         = number
  })
}

