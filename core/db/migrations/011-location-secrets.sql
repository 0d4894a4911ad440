-- Cloud locations: the GCS project, and write-only credentials sealed with the
-- machine's key (core/catalog/secret-store.ts); never returned by the API.
ALTER TABLE locations ADD COLUMN project TEXT;
ALTER TABLE locations ADD COLUMN secret_sealed TEXT;
