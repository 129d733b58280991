// The inventory contract's types and client, generated from openapi.yaml here: a link to the file in the
// Inventory library, which serves it at GET /openapi.yaml and generates its server stubs from it.
