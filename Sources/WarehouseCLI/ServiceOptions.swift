import ArgumentParser
import Foundation
import Order
import WarehouseKit

/// Options shared by `up` and `serve`.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "Directory of the databases and the admin token.")
    var dataDir: String = "./data"

    @Option(name: .long, help: "Address the services listen on.")
    var host: String = "127.0.0.1"

    @Option(name: .long, help: "full: a commit survives a power cut; normal: survives a process crash only.")
    var durability: Durability = .full

    @Option(name: .long, help: "The longest a POST /orders may take before it answers 202 pending, in milliseconds.")
    var orderDeadlineMs: Int = 2000

    @Option(name: .long, help: "The limit of one reconciler try of a pending order, in milliseconds.")
    var retryTimeoutMs: Int = 2000

    var dataDirectory: URL { URL(fileURLWithPath: dataDir, isDirectory: true).standardizedFileURL }

    func validate() throws {
        guard (100...60_000).contains(orderDeadlineMs) else {
            throw ValidationError("--order-deadline-ms must be between 100 and 60000")
        }
        guard (50...60_000).contains(retryTimeoutMs) else {
            throw ValidationError("--retry-timeout-ms must be between 50 and 60000")
        }
    }

    var policy: OrderPolicy {
        var policy = OrderPolicy()
        policy.deadline = .milliseconds(orderDeadlineMs)
        policy.retryTimeout = .milliseconds(retryTimeoutMs)
        return policy
    }

    /// The same options as arguments, to hand down to a child process.
    var arguments: [String] {
        [
            "--data-dir", dataDirectory.path, "--host", host, "--durability", durability.rawValue,
            "--order-deadline-ms", "\(orderDeadlineMs)", "--retry-timeout-ms", "\(retryTimeoutMs)",
        ]
    }
}

extension Durability: ExpressibleByArgument {}
