# The api's front door (issue 17, docs/decisions/2026-11-request-parsing.md): a global external
# HTTPS load balancer with a serverless NEG for the api's Cloud Run service, and a Cloud Armor
# policy that refuses oversized bodies from their Content-Length and rate-limits per client IP
# before a request reaches an instance. With api_front_door_only (the default) the api's ingress
# is ALLOW_INTERNAL_AND_GCLB (functions.tf), so its run.app URL and Hosting's /api/** rewrite no
# longer reach it from the internet. The web apps' config (web_configs, hosting.tf) names api_url,
# which answers CORS for the two Hosting sites; a release writes the sites' CSP and the native
# app's URL from it (npm run release:config; docs/runbook.md "The api's front door").

variable "api_front_door_only" {
  description = "Limit the api's ingress to internal traffic and the load balancer, so Cloud Armor guards every request. Set false only for the one apply that moves an existing deployment whose clients still call Hosting's /api/** rewrite or the run.app URL (docs/runbook.md)."
  type        = bool
  default     = true
}

variable "api_domain" {
  description = "Hostname of the api's HTTPS load balancer (an A record to api_front_door_ip); empty = <ip>.nip.io until a real name exists."
  type        = string
  default     = ""
}

variable "api_rate_limits" {
  description = "Cloud Armor limits per client IP: requests per minute on any route before a ban of ban_seconds, and a tighter per-minute throttle on /v1/sync routes. Mobile carriers put many phones behind one IP: keep these generous."
  type = object({
    requests_per_minute      = optional(number, 1200)
    ban_seconds              = optional(number, 600)
    sync_requests_per_minute = optional(number, 300)
  })
  default = {}

  validation {
    condition = (var.api_rate_limits.sync_requests_per_minute > 0 &&
    var.api_rate_limits.sync_requests_per_minute <= var.api_rate_limits.requests_per_minute)
    error_message = "sync_requests_per_minute must be positive and at most requests_per_minute."
  }
}

locals {
  # The largest body any route accepts (the sync routes' MAX_BODY_BYTES; the others cap lower).
  api_edge_max_body_bytes = var.max_body_bytes
  api_host                = var.api_domain != "" ? var.api_domain : "${google_compute_global_address.api.address}.nip.io"
}

resource "google_compute_global_address" "api" {
  project     = var.project_id
  name        = "dermadetect-api"
  description = "Address of the api's HTTPS load balancer"

  depends_on = [google_project_service.main]
}

resource "google_compute_managed_ssl_certificate" "api" {
  project = var.project_id
  name    = "dermadetect-api"

  managed {
    domains = [local.api_host]
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "google_compute_region_network_endpoint_group" "api" {
  project               = var.project_id
  region                = var.region
  name                  = "dermadetect-api"
  network_endpoint_type = "SERVERLESS"

  cloud_run {
    service = module.functions["api"].service
  }
}

# Evaluated at the edge, in priority order, before the request reaches the api. Cloud Armor
# can deny only with 403, 404, 429 or 502: an oversized body gets 403 here, and a body without
# Content-Length (chunked) gets the api's own 413 SYNC_1001 when it passes the cap.
resource "google_compute_security_policy" "api" {
  project     = var.project_id
  name        = "dermadetect-api"
  description = "Body size and per-IP rate limits in front of the api"
  type        = "CLOUD_ARMOR"

  rule {
    priority    = 1000
    action      = "deny(403)"
    description = "Body larger than any route accepts, refused from its Content-Length before it is read"

    match {
      expr {
        expression = "'content-length' in request.headers && int(request.headers['content-length']) > ${local.api_edge_max_body_bytes}"
      }
    }
  }

  rule {
    priority    = 2000
    action      = "throttle"
    description = "Sync routes: at most sync_requests_per_minute per client IP"

    match {
      expr {
        expression = "request.path.startsWith('/v1/sync')"
      }
    }

    rate_limit_options {
      conform_action = "allow"
      exceed_action  = "deny(429)"
      enforce_on_key = "IP"

      rate_limit_threshold {
        count        = var.api_rate_limits.sync_requests_per_minute
        interval_sec = 60
      }
    }
  }

  rule {
    priority    = 3000
    action      = "rate_based_ban"
    description = "Any route: a client IP over requests_per_minute is banned for ban_seconds"

    match {
      versioned_expr = "SRC_IPS_V1"

      config {
        src_ip_ranges = ["*"]
      }
    }

    rate_limit_options {
      conform_action   = "allow"
      exceed_action    = "deny(429)"
      enforce_on_key   = "IP"
      ban_duration_sec = var.api_rate_limits.ban_seconds

      rate_limit_threshold {
        count        = var.api_rate_limits.requests_per_minute
        interval_sec = 60
      }
    }
  }

  rule {
    priority    = 2147483647
    action      = "allow"
    description = "Default: everything the rules above let through"

    match {
      versioned_expr = "SRC_IPS_V1"

      config {
        src_ip_ranges = ["*"]
      }
    }
  }

  depends_on = [google_project_service.main]
}

resource "google_compute_backend_service" "api" {
  project               = var.project_id
  name                  = "dermadetect-api"
  description           = "The api function's Cloud Run service, behind Cloud Armor"
  protocol              = "HTTPS"
  load_balancing_scheme = "EXTERNAL_MANAGED"
  security_policy       = google_compute_security_policy.api.id

  backend {
    group = google_compute_region_network_endpoint_group.api.id
  }

  log_config {
    enable      = true
    sample_rate = 1
  }
}

resource "google_compute_url_map" "api" {
  project         = var.project_id
  name            = "dermadetect-api"
  description     = "Every path to the api"
  default_service = google_compute_backend_service.api.id
}

resource "google_compute_target_https_proxy" "api" {
  project          = var.project_id
  name             = "dermadetect-api"
  url_map          = google_compute_url_map.api.id
  ssl_certificates = [google_compute_managed_ssl_certificate.api.id]
}

resource "google_compute_global_forwarding_rule" "api" {
  project               = var.project_id
  name                  = "dermadetect-api"
  target                = google_compute_target_https_proxy.api.id
  ip_address            = google_compute_global_address.api.id
  port_range            = "443"
  ip_protocol           = "TCP"
  load_balancing_scheme = "EXTERNAL_MANAGED"
}

output "api_front_door_ip" {
  description = "IP address of the api's HTTPS load balancer (point api_domain's A record here)."
  value       = google_compute_global_address.api.address
}
