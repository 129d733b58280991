import Foundation
import Testing
import WarehouseKit
import WarehouseLab

/// The circuit's open time, read back from log lines.
struct CircuitTimeTests {
    func line(_ time: String, label: String, _ message: String, _ extra: [String: String]) -> Substring {
        var fields = extra
        fields["time"] = time
        fields["label"] = label
        fields["message"] = message
        let data = try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
        return Substring(String(decoding: data, as: UTF8.self))
    }

    func circuit(_ time: String, _ state: String) -> Substring {
        line(time, label: "order", LogMessage.circuitChanged(dependency: "inventory"), ["circuit": state])
    }

    let end = ISO8601DateFormatter().date(from: "2026-12-02T10:00:30Z")!

    @Test func openAndHalfOpenCountUntilTheCircuitCloses() {
        let time = CircuitTime.measure(
            lines: [
                circuit("2026-12-02T10:00:01.000Z", "open(since: 2026-12-02 10:00:01 +0000)"),
                circuit("2026-12-02T10:00:01.500Z", "halfOpen"),
                circuit("2026-12-02T10:00:01.500Z", "open(since: 2026-12-02 10:00:01 +0000)"),
                circuit("2026-12-02T10:00:02.500Z", "halfOpen"),
                circuit("2026-12-02T10:00:02.600Z", "closed"),
                line("2026-12-02T10:00:03.000Z", label: "order", "order stored", [:]),
                circuit("2026-12-02T10:00:10.000Z", "open(since: 2026-12-02 10:00:10 +0000)"),
                circuit("2026-12-02T10:00:10.250Z", "halfOpen"),
                circuit("2026-12-02T10:00:10.400Z", "closed"),
            ],
            service: "order", dependency: "inventory", until: end)
        #expect(time.openings == 2)
        #expect(abs(time.openSeconds - 2.0) < 0.001)
    }

    @Test func aRestartOfTheServiceClosesItsCircuitAndAnOpenOneEndsWithTheRun() {
        let time = CircuitTime.measure(
            lines: [
                circuit("2026-12-02T10:00:01.000Z", "open(since: 2026-12-02 10:00:01 +0000)"),
                line("2026-12-02T10:00:02.000Z", label: "up", LogMessage.childStarted, ["child": "inventory"]),
                line("2026-12-02T10:00:03.000Z", label: "up", LogMessage.childStarted, ["child": "order"]),
                circuit("2026-12-02T10:00:29.000Z", "open(since: 2026-12-02 10:00:29 +0000)"),
            ],
            service: "order", dependency: "inventory", until: end)
        #expect(time.openings == 2)
        #expect(abs(time.openSeconds - 3.0) < 0.001)
    }
}
