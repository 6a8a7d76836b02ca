terraform {
  required_version = ">= 1.5, < 2.0"

  # State lives in GCS, one object per workspace (<prefix>/<environment>.tfstate); the bucket
  # and prefix are given at init (see terraform/README.md):
  #   terraform init -backend-config="bucket=<state bucket>" -backend-config="prefix=dermadetect"
  backend "gcs" {}

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 6.45, < 8.0"
    }
    google-beta = {
      source  = "hashicorp/google-beta"
      version = ">= 6.45, < 8.0"
    }
    archive = {
      source  = "hashicorp/archive"
      version = ">= 2.4, < 3.0"
    }
  }
}
