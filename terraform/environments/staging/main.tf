provider "google" {
  project = var.project_id
  region  = var.region
}

# Firebase Hosting sites and web apps exist only in google-beta.
provider "google-beta" {
  project = var.project_id
  region  = var.region
}

# Staging mirrors prod at a smaller scale and can be destroyed.
module "dermadetect" {
  source = "../../modules/dermadetect"

  project_id             = var.project_id
  environment            = "staging"
  region                 = var.region
  firestore_location     = var.firestore_location
  functions_source_dir   = "${path.root}/../../../functions"
  firestore_rules_path   = "${path.root}/../../../firestore.rules"
  firestore_indexes_path = "${path.root}/../../../firestore.indexes.json"
  deletion_protection    = false
  upload_cors_origins    = var.upload_cors_origins
  alert_emails           = var.alert_emails
  medgemma               = var.medgemma
  medgemma_deployment    = var.medgemma_deployment
}
