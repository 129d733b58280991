// The generated notification contract lives in this module (types, server stubs, client); see openapi.yaml.
// openapi.yaml here is a link to the file in the Notification library, which serves it at GET /openapi.yaml.
