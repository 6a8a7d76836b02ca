provider "google" {
  project = var.project_id
  region  = var.region
}

# Firebase Hosting sites and web apps exist only in google-beta.
provider "google-beta" {
  project = var.project_id
  region  = var.region
}

# One root for every environment: the workspace (terraform workspace select staging|prod) picks
# the state and the settings below, the var-file (<environment>/terraform.tfvars) the project.
# Any other workspace, including "default", has no entry and fails the plan before anything runs.
locals {
  environments = {
    # Staging mirrors prod at a smaller scale and can be destroyed.
    staging = { deletion_protection = false }
    # Production: the database and the photo bucket are protected from terraform destroy.
    prod = { deletion_protection = true }
  }
  environment = local.environments[terraform.workspace]
}

module "dermadetect" {
  source = "../modules/dermadetect"

  project_id             = var.project_id
  environment            = terraform.workspace
  region                 = var.region
  firestore_location     = var.firestore_location
  functions_source_dir   = "${path.root}/../../functions"
  firestore_rules_path   = "${path.root}/../../firestore.rules"
  firestore_indexes_path = "${path.root}/../../firestore.indexes.json"
  deletion_protection    = local.environment.deletion_protection
  upload_cors_origins    = var.upload_cors_origins
  alert_emails           = var.alert_emails
  medgemma               = var.medgemma
  medgemma_deployment    = var.medgemma_deployment
  api_front_door_only    = var.api_front_door_only
  api_domain             = var.api_domain
}
