/// Log messages another program reads back (the chaos experiment measures from them), so that the
/// writer and the reader share one spelling. Lines are JSON (`JSONLogLine`): `time`, `label`,
/// `message`, and the metadata named here as top-level keys.
package enum LogMessage {
    /// A service's circuit breaker to `dependency` changed state; `circuit` holds the new state
    /// (`open(since: …)`, `halfOpen`, `closed`).
    package static func circuitChanged(dependency: String) -> String {
        "\(dependency) circuit changed"
    }

    /// The supervisor started a child process (`child` names it, `pid` is its pid): a restarted
    /// service begins with a closed circuit.
    package static let childStarted = "child started"
}
