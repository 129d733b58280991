// The order contract's types, generated from openapi.yaml here: a link to the file in the Order library,
// which serves it at GET /openapi.yaml and generates its server stubs from it.
