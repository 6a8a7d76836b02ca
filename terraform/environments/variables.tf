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

# The two MedGemma settings are objects whose attributes modules/dermadetect/variables.tf types,
# validates and describes; the root passes them through as they are, so the module's type is the
# only one to keep in step with the code (a missing or mistyped attribute fails the plan there).
variable "medgemma" {
  description = "MedGemma connection (MEDGEMMA_* params); typed by modules/dermadetect/variables.tf."
  type        = any
}

variable "medgemma_deployment" {
  description = "Optional Model Garden deployment of MedGemma; typed by modules/dermadetect/variables.tf."
  type        = any
}

variable "api_front_door_only" {
  description = "Limit the api's ingress to its HTTPS load balancer (Cloud Armor first). false only while an existing deployment's clients move to api_url (docs/runbook.md)."
  type        = bool
  default     = true
}

variable "api_domain" {
  description = "Hostname of the api's load balancer (an A record to its address); empty = <ip>.nip.io."
  type        = string
  default     = ""
}
