# Optional MedGemma endpoint from Model Garden (medgemma-medsiglip.md section 2.1). Off by
# default: it bills GPUs around the clock while min_replicas >= 1, creation takes up to hours,
# and the resource cannot be imported. When it is off, point var.medgemma at an endpoint you
# deployed yourself, or at an OpenAI-compatible server.
resource "google_vertex_ai_endpoint_with_model_garden_deployment" "medgemma" {
  count = var.medgemma_deployment.enabled ? 1 : 0

  project              = var.project_id
  location             = var.medgemma.region
  publisher_model_name = var.medgemma_deployment.publisher_model_name

  model_config {
    accept_eula = true
  }

  endpoint_config {
    endpoint_display_name      = "dermadetect-medgemma-${var.environment}"
    dedicated_endpoint_enabled = true
  }

  deploy_config {
    dedicated_resources {
      machine_spec {
        machine_type      = var.medgemma_deployment.machine_type
        accelerator_type  = var.medgemma_deployment.accelerator_type
        accelerator_count = var.medgemma_deployment.accelerator_count
      }
      min_replica_count = var.medgemma_deployment.min_replicas
      max_replica_count = var.medgemma_deployment.max_replicas
    }
  }

  timeouts {
    create = "180m"
    delete = "20m"
  }

  depends_on = [google_project_service.main]
}
