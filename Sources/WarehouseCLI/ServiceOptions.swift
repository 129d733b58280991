import ArgumentParser
import Foundation
import Inventory
import Order
import WarehouseKit

/// Options every service takes.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "Directory of the databases and the admin token.")
    var dataDir: String = "./data"

    @Option(name: .long, help: "Address the services listen on.")
    var host: String = "127.0.0.1"

    @Option(name: .long, help: "full: a commit survives a power cut; normal: survives a process crash only.")
    var durability: Durability = .full

    @Flag(name: .long, help: "Run the naive design this one replaces (no retries, reconciler or idempotency), for experiments.")
    var naive = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Event-loop threads of each service (default: serve, one per core; up, half the cores each).",
            discussion: "The services under `up` share the machine's cores; more loops than cores only add thread switches."
        ))
    var eventLoops: Int?

    var dataDirectory: URL { URL(fileURLWithPath: dataDir, isDirectory: true).standardizedFileURL }

    func validate() throws {
        if let eventLoops { try require(eventLoops, in: 1...256, "--event-loops") }
    }

    /// The same options as arguments, to hand down to a child process.
    var arguments: [String] {
        ["--data-dir", dataDirectory.path, "--host", host, "--durability", durability.rawValue]
            + (naive ? ["--naive"] : []) + (eventLoops.map { ["--event-loops", "\($0)"] } ?? [])
    }
}

/// The order service's time limits and resilience policy.
struct OrderOptions: ParsableArguments {
    @Option(name: .long, help: "The longest a POST /orders takes before it answers 202 pending, in ms (order).")
    var orderDeadlineMs = 2000

    @Option(name: .long, help: "The longest one try of an inventory call takes, in ms (order).")
    var attemptTimeoutMs = 1000

    @Option(name: .long, help: "The limit of one reconciler try of a pending order, in ms (order).")
    var retryTimeoutMs = 5000

    @Option(name: .long, help: "The most inventory calls in flight at once; more are answered 202 at once (order).")
    var inventoryConcurrency = 64

    @Option(name: .long, help: "Calls in the breaker's window before it may open (order).")
    var breakerMinimumCalls = 10

    @Option(name: .long, help: "Failure rate in the window that opens the breaker, 0 to 1 (order).")
    var breakerFailureRate = 0.5

    @Option(name: .long, help: "Length of the breaker's sliding window, in seconds (order).")
    var breakerWindowS = 10

    @Option(
        name: .long,
        help: "How long the breaker stays open the first time before it lets probes through, in ms (order); doubled at each failed probe.")
    var breakerOpenMs = 500

    @Option(name: .long, help: "The longest the breaker stays open before it probes again, in ms (order).")
    var breakerMaxOpenMs = 5000

    @Option(
        name: .long,
        help: "Connection failures within this span of the first count as one failure (a restart, not an outage), in ms (order).")
    var breakerBurstMs = 1000

    @Option(name: .long, help: "Hours an Idempotency-Key is remembered before it is forgotten (order).")
    var idempotencyRetentionH = 24
    @Option(
        name: .long,
        help: "The latency alert is raised while order placements average more than this over 30 s, in ms (order).")
    var latencyAlertThresholdMs = 1000

    func validate() throws {
        try require(orderDeadlineMs, in: 100...60_000, "--order-deadline-ms")
        try require(attemptTimeoutMs, in: 10...60_000, "--attempt-timeout-ms")
        try require(retryTimeoutMs, in: 50...60_000, "--retry-timeout-ms")
        try require(inventoryConcurrency, in: 1...10_000, "--inventory-concurrency")
        try require(breakerMinimumCalls, in: 1...100_000, "--breaker-minimum-calls")
        try require(breakerWindowS, in: 1...3600, "--breaker-window-s")
        try require(breakerOpenMs, in: 10...600_000, "--breaker-open-ms")
        try require(breakerMaxOpenMs, in: 10...600_000, "--breaker-max-open-ms")
        try require(breakerBurstMs, in: 0...60_000, "--breaker-burst-ms")
        try require(idempotencyRetentionH, in: 24...24 * 365, "--idempotency-retention-h")
        try require(latencyAlertThresholdMs, in: 1...600_000, "--latency-alert-threshold-ms")
        guard (0.0...1.0).contains(breakerFailureRate) else {
            throw ValidationError("--breaker-failure-rate must be between 0 and 1")
        }
    }

    func policy(naive: Bool) -> OrderPolicy {
        var policy = OrderPolicy()
        policy.deadline = .milliseconds(orderDeadlineMs)
        policy.retryTimeout = .milliseconds(retryTimeoutMs)
        policy.idempotencyRetention = .seconds(idempotencyRetentionH * 3600)
        policy.naive = naive
        return policy
    }

    var callPolicy: InventoryCallPolicy {
        var policy = InventoryCallPolicy()
        policy.attemptTimeout = .milliseconds(attemptTimeoutMs)
        policy.concurrencyLimit = inventoryConcurrency
        policy.breaker.minimumCalls = breakerMinimumCalls
        policy.breaker.failureRateThreshold = breakerFailureRate
        policy.breaker.window = .seconds(breakerWindowS)
        policy.breaker.openDuration = .milliseconds(breakerOpenMs)
        policy.breaker.maximumOpenDuration = .milliseconds(breakerMaxOpenMs)
        policy.breaker.burstSpan = .milliseconds(breakerBurstMs)
        return policy
    }

    var arguments: [String] {
        [
            "--order-deadline-ms", "\(orderDeadlineMs)", "--attempt-timeout-ms", "\(attemptTimeoutMs)",
            "--retry-timeout-ms", "\(retryTimeoutMs)", "--inventory-concurrency", "\(inventoryConcurrency)",
            "--breaker-minimum-calls", "\(breakerMinimumCalls)", "--breaker-failure-rate", "\(breakerFailureRate)",
            "--breaker-window-s", "\(breakerWindowS)", "--breaker-open-ms", "\(breakerOpenMs)",
            "--breaker-max-open-ms", "\(breakerMaxOpenMs)", "--breaker-burst-ms", "\(breakerBurstMs)",
            "--idempotency-retention-h", "\(idempotencyRetentionH)",
            "--latency-alert-threshold-ms", "\(latencyAlertThresholdMs)",
        ]
    }
}

/// Chaos, all off by default: in the inventory service, and the order service's noise on the way back. Each rule picks deductions either as every
/// n-th key (by when inventory first saw it, persisted across restarts) or as a seeded fraction of keys.
struct ChaosOptions: ParsableArguments {
    @Option(name: .long, help: "Gremlin: delay the answer to every n-th deduction key (inventory).")
    var gremlinEvery: Int?

    @Option(name: .long, help: "Gremlin: delay the answers to this fraction of deduction keys, by a seeded hash (inventory).")
    var gremlinFraction: Double?

    @Option(name: .long, help: "Gremlin: how long a delayed answer is held back, in ms (inventory).")
    var gremlinDelayMs = 3000

    @Option(name: .long, help: "Gremlin: hold the answer back before-commit or after-commit (inventory).")
    var gremlinPlacement: DelayPlacement = .afterCommit

    @Option(name: .long, help: "Exit the inventory process after committing every n-th deduction key, before answering.")
    var crashAfterCommitEvery: Int?

    @Option(name: .long, help: "Exit the inventory process after committing this fraction of deduction keys.")
    var crashAfterCommitFraction: Double?

    @Option(name: .long, help: "Answer 500 after committing every n-th deduction key (inventory).")
    var errorAfterCommitEvery: Int?

    @Option(name: .long, help: "Answer 500 after committing this fraction of deduction keys (inventory).")
    var errorAfterCommitFraction: Double?

    @Option(name: .long, help: "Order service: answer 500 to every n-th new order after storing it (noise on the way back).")
    var orderErrorAfterStoreEvery: Int?

    @Option(name: .long, help: "Order service: answer 500 to this fraction of new orders after storing them.")
    var orderErrorAfterStoreFraction: Double?

    @Option(name: .long, help: "The seed of every fraction rule: the same seed and keys hit the same requests.")
    var chaosSeed: UInt64 = 1

    func validate() throws {
        for (name, every, fraction) in [
            ("gremlin", gremlinEvery, gremlinFraction),
            ("crash-after-commit", crashAfterCommitEvery, crashAfterCommitFraction),
            ("error-after-commit", errorAfterCommitEvery, errorAfterCommitFraction),
            ("order-error-after-store", orderErrorAfterStoreEvery, orderErrorAfterStoreFraction),
        ] {
            if every != nil, fraction != nil { throw ValidationError("give --\(name)-every or --\(name)-fraction, not both") }
            if let every, every < 1 { throw ValidationError("--\(name)-every must be at least 1") }
            if let fraction, !(0.0...1.0).contains(fraction) {
                throw ValidationError("--\(name)-fraction must be between 0 and 1")
            }
        }
        try require(gremlinDelayMs, in: 0...60_000, "--gremlin-delay-ms")
    }

    var settings: ChaosSettings {
        var settings = ChaosSettings()
        settings.gremlin = selector(gremlinEvery, gremlinFraction)
        settings.gremlinDelay = .milliseconds(gremlinDelayMs)
        settings.gremlinPlacement = gremlinPlacement
        settings.crashAfterCommit = selector(crashAfterCommitEvery, crashAfterCommitFraction)
        settings.errorAfterCommit = selector(errorAfterCommitEvery, errorAfterCommitFraction)
        return settings
    }

    /// The order service's rule.
    var errorAfterStore: ChaosSelector {
        selector(orderErrorAfterStoreEvery, orderErrorAfterStoreFraction)
    }

    private func selector(_ every: Int?, _ fraction: Double?) -> ChaosSelector {
        if let every { return .everyNth(every) }
        if let fraction { return .fraction(fraction, seed: chaosSeed) }
        return .none
    }

    var arguments: [String] {
        var arguments = [
            "--gremlin-delay-ms", "\(gremlinDelayMs)", "--gremlin-placement", gremlinPlacement.rawValue, "--chaos-seed",
            "\(chaosSeed)",
        ]
        let optional: [(String, String?)] = [
            ("--gremlin-every", gremlinEvery.map(String.init)),
            ("--gremlin-fraction", gremlinFraction.map { "\($0)" }),
            ("--crash-after-commit-every", crashAfterCommitEvery.map(String.init)),
            ("--crash-after-commit-fraction", crashAfterCommitFraction.map { "\($0)" }),
            ("--error-after-commit-every", errorAfterCommitEvery.map(String.init)),
            ("--error-after-commit-fraction", errorAfterCommitFraction.map { "\($0)" }),
            ("--order-error-after-store-every", orderErrorAfterStoreEvery.map(String.init)),
            ("--order-error-after-store-fraction", orderErrorAfterStoreFraction.map { "\($0)" }),
        ]
        for case let (flag, value?) in optional { arguments += [flag, value] }
        return arguments
    }
}

private func require(_ value: Int, in range: ClosedRange<Int>, _ flag: String) throws {
    guard range.contains(value) else {
        throw ValidationError("\(flag) must be between \(range.lowerBound) and \(range.upperBound)")
    }
}

extension Durability: ExpressibleByArgument {}
extension DelayPlacement: ExpressibleByArgument {}
