# Case photos: cases/{case_id}/{sha256}.{ext}, written only through V4 signed PUT URLs that the
# api issues (docs/design.md section 7). Never public.
resource "google_storage_bucket" "images" {
  project                     = var.project_id
  name                        = local.images_bucket_name
  location                    = var.region
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = !var.deletion_protection
  labels                      = local.labels

  versioning {
    enabled = true
  }

  soft_delete_policy {
    retention_duration_seconds = 604800
  }

  # Browsers (the web build) upload straight to the signed URL; native apps ignore CORS.
  cors {
    origin          = var.upload_cors_origins
    method          = ["PUT"]
    response_header = ["Content-Type", "Content-Length", "x-goog-content-length-range"]
    max_age_seconds = 3600
  }

  # Overwritten or deleted photos stay recoverable for a while, then go.
  lifecycle_rule {
    condition {
      days_since_noncurrent_time = var.image_noncurrent_retention_days
      with_state                 = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }

  # Signed uploads that never complete leave multipart parts behind.
  lifecycle_rule {
    condition {
      age = 1
    }
    action {
      type = "AbortIncompleteMultipartUpload"
    }
  }

  depends_on = [google_project_service.main]
}

# Function source archives: private, uniform, short-lived (Cloud Functions copies the source
# into its own build bucket, so old archives are only useful for a quick rollback).
resource "google_storage_bucket" "functions_source" {
  project                     = var.project_id
  name                        = local.source_bucket_name
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = true
  labels                      = local.labels

  versioning {
    enabled = false
  }

  lifecycle_rule {
    condition {
      age = 90
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.main]
}
