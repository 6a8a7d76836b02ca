locals {
  # firestore.indexes.json is the single source of truth for composite indexes (the emulator and
  # `firebase deploy` read the same file), so terraform creates exactly what it lists.
  firestore_indexes = jsondecode(file(var.firestore_indexes_path))

  composite_indexes = {
    for idx in local.firestore_indexes.indexes :
    join("|", concat([idx.collectionGroup, lookup(idx, "queryScope", "COLLECTION")], [
      for f in idx.fields : "${f.fieldPath}:${lookup(f, "order", lookup(f, "arrayConfig", ""))}"
    ])) => idx
  }

  ttl_fields = {
    for o in lookup(local.firestore_indexes, "fieldOverrides", []) :
    "${o.collectionGroup}.${o.fieldPath}" => o if lookup(o, "ttl", false)
  }

  # Index exemptions: overrides without TTL and with `"indexes": []` (docs/hot-spots.md).
  index_exempt_fields = {
    for o in lookup(local.firestore_indexes, "fieldOverrides", []) :
    "${o.collectionGroup}.${o.fieldPath}" => o
    if !lookup(o, "ttl", false) && length(lookup(o, "indexes", [null])) == 0
  }
}

resource "google_firestore_database" "main" {
  project                           = var.project_id
  name                              = "(default)"
  location_id                       = var.firestore_location
  type                              = "FIRESTORE_NATIVE"
  concurrency_mode                  = "PESSIMISTIC"
  point_in_time_recovery_enablement = "POINT_IN_TIME_RECOVERY_ENABLED"
  delete_protection_state           = var.deletion_protection ? "DELETE_PROTECTION_ENABLED" : "DELETE_PROTECTION_DISABLED"
  deletion_policy                   = var.deletion_protection ? "ABANDON" : "DELETE"

  depends_on = [google_project_service.main]
}

# Daily backups kept for 14 days, on top of point-in-time recovery's 7 days (docs/runbook.md,
# "Restoring Firestore").
resource "google_firestore_backup_schedule" "daily" {
  project   = var.project_id
  database  = google_firestore_database.main.name
  retention = "1209600s"

  daily_recurrence {}
}

resource "google_firestore_index" "main" {
  for_each = local.composite_indexes

  project     = var.project_id
  database    = google_firestore_database.main.name
  collection  = each.value.collectionGroup
  query_scope = lookup(each.value, "queryScope", "COLLECTION")

  dynamic "fields" {
    for_each = each.value.fields
    content {
      field_path   = fields.value.fieldPath
      order        = lookup(fields.value, "order", null)
      array_config = lookup(fields.value, "arrayConfig", null)
    }
  }
}

# TTL policies come from firestore.indexes.json's fieldOverrides with `"ttl": true` (the same
# file `firebase deploy` reads): syncBatches.expire_at (processed transport documents) and
# syncReceipts.expire_at (idempotency receipts, kept as long as tombstones). The sync core stamps
# `expire_at`. TTL deletes are not audit-logged (reliability-security.md section 5), which is
# acceptable for these transport documents.
resource "google_firestore_field" "ttl" {
  for_each = local.ttl_fields

  project    = var.project_id
  database   = google_firestore_database.main.name
  collection = each.value.collectionGroup
  field      = each.value.fieldPath

  ttl_config {}

  # The overrides declare `"indexes": []`: a timestamp only read by TTL needs no index.
  index_config {}
}

# Single-field index exemptions from firestore.indexes.json's fieldOverrides with `"indexes": []`
# and no TTL: sequence numbers and server timestamps that only ever increase and no query filters
# or orders on alone (the pull's chw_id + server_seq query uses its composite index). An indexed
# field whose values only increase puts every new index entry at the end of one key range, which
# Firestore documents as a write hot spot above about 500 writes per second per collection; an
# exempt field also costs no index-entry writes.
resource "google_firestore_field" "index_exempt" {
  for_each = local.index_exempt_fields

  project    = var.project_id
  database   = google_firestore_database.main.name
  collection = each.value.collectionGroup
  field      = each.value.fieldPath

  # An empty index_config removes the field's automatic ascending, descending and array indexes.
  index_config {}
}

# Security rules released from firestore.rules, the same file the emulator loads.
resource "google_firebaserules_ruleset" "firestore" {
  project = var.project_id

  source {
    files {
      name    = "firestore.rules"
      content = file(var.firestore_rules_path)
    }
  }

  depends_on = [google_firestore_database.main]

  lifecycle {
    create_before_destroy = true
  }
}

# Every rules change creates a new ruleset, and the release is replaced to point at it (the
# pattern of the provider's Firestore rules example).
resource "google_firebaserules_release" "firestore" {
  project      = var.project_id
  name         = "cloud.firestore"
  ruleset_name = "projects/${var.project_id}/rulesets/${google_firebaserules_ruleset.firestore.name}"

  lifecycle {
    replace_triggered_by = [google_firebaserules_ruleset.firestore]
  }
}
