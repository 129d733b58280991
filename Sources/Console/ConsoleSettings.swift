import WarehouseKit

/// The console's own settings (`warehouse settings` lists them with the common ones).
package enum ConsoleSettings {
    static let group = "Console"

    package static let orderInstances = Setting<ServiceURLList>(
        "order-instances", group: group, default: ServiceURLList(), defaultDescription: "the order URL alone",
        perProcess: true,
        help: "Every order process whose latency window the alert tile covers, as base URLs, comma-separated; a URL whose host name resolves to several addresses counts once per address (a Kubernetes headless Service such as http://order-instances:8080 covers every pod; resolved at each poll). `warehouse up --replicas order=N` gives each replica's.")

    package static let all: [any SettingDeclaration] = [orderInstances]
}
