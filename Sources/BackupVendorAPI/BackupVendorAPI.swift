// The generated contract of the simulated backup vendor lives in this module (types, server stubs, client).
// openapi.yaml here is a link to the file in the BackupVendor library, which serves it at GET /openapi.yaml.
