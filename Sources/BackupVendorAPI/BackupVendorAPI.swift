// The backup vendor's contract types and client, generated from openapi.yaml here: a link to the file in
// the BackupVendor library, which serves it at GET /openapi.yaml and generates its server stubs from it.
