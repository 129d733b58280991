import Foundation
import Testing
import WarehouseLab

/// The console as `warehouse up` runs it: its page, the routes it passes on, one request id across
/// console, order and inventory, and the latency alert it shows.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct ConsoleSystemTests {
    @Test func theConsoleServesThePageAndPassesAnOrderThroughWithOneRequestIDAcrossEveryProcess() async throws {
        try await SystemLauncher.with { system in
            let page = try await system.request(.GET, system.consoleURL + "/")
            #expect(page.status == 200)
            #expect(String(decoding: page.body, as: UTF8.self).contains(#"id="latency-alert""#))

            let before = try await system.stock("CONSOLE-PS5")
            let body = Data(#"{"customerId": "c-7", "items": [{"sku": "CONSOLE-PS5", "quantity": 2}]}"#.utf8)
            let reply = try await system.request(
                .POST, system.consoleURL + "/api/orders", body: body,
                headers: [
                    ("Content-Type", "application/json"), ("Idempotency-Key", "console-k1"), ("X-Request-ID", "trace-console-1"),
                ])
            #expect(reply.status == 201)
            #expect(reply.headers["X-Request-ID"].first == "trace-console-1")
            let order = try reply.json(OrderDTO.self)
            #expect(order.status == "shipped")
            #expect(reply.headers["Location"].first == "/api/orders/\(order.id)")
            #expect(try await system.stock("CONSOLE-PS5") == before - 2)
            let followed = try await system.request(.GET, system.consoleURL + "/api/orders/\(order.id)").json(OrderDTO.self)
            #expect(followed.status == "shipped")

            // The same key and body through the console replays, exactly as on the order service.
            let replay = try await system.request(
                .POST, system.consoleURL + "/api/orders", body: body,
                headers: [("Content-Type", "application/json"), ("Idempotency-Key", "console-k1")])
            #expect(replay.headers["Idempotent-Replayed"].first == "true")
            #expect(try replay.json(OrderDTO.self).id == order.id)

            // JSON log lines of all three processes carry the one id; order's and inventory's name the order.
            try await eventually("the log lines of order and inventory are written", timeout: .seconds(10)) {
                system.logLines(requestID: "trace-console-1").contains { $0["label"] as? String == "inventory" }
            }
            let lines = system.logLines(requestID: "trace-console-1")
            let orderLines = lines.filter { $0["label"] as? String == "order" }
            #expect(orderLines.contains { $0["message"] as? String == "order stored" && $0["order_id"] as? String == order.id })
            #expect(
                lines.contains {
                    $0["label"] as? String == "inventory" && $0["message"] as? String == "deduction recorded"
                        && $0["deduction_key"] as? String == order.id
                })
        }
    }

    @Test func everyBadInputToTheConsoleGetsProblemJSON() async throws {
        try await SystemLauncher.with { system in
            let json = [("Content-Type", "application/json")]
            let cases: [(String, String, Data?, [(String, String)], Int)] = [
                ("GET", "/nowhere", nil, [], 404),
                ("DELETE", "/api/orders", nil, [], 405),
                ("POST", "/api/orders", Data("{".utf8), json, 400),
                ("POST", "/api/orders", Data("{}".utf8), [("Content-Type", "text/plain")], 415),
                ("POST", "/api/orders", Data(#"{"customerId": "", "items": []}"#.utf8), json, 422),
                ("POST", "/api/orders", Data(String(repeating: " ", count: 70_000).utf8), json, 413),
                ("GET", "/api/orders?limit=abc", nil, [], 400),
                ("GET", "/api/orders/no-such-order", nil, [], 404),
                ("GET", "/api/stats/latency?seconds=0", nil, [], 400),
                ("PUT", "/api/admin/chaos", Data("{}".utf8), json, 401),
                ("PUT", "/api/admin/chaos", Data("{}".utf8), json + [("Authorization", "Bearer wrong")], 401),
            ]
            for (method, path, body, headers, status) in cases {
                let reply = try await system.request(
                    .init(rawValue: method), system.consoleURL + path, body: body, headers: headers)
                #expect(reply.status == status, "\(method) \(path)")
                #expect(reply.headers["Content-Type"].first == "application/problem+json", "\(method) \(path)")
                #expect(try reply.json(ProblemDTO.self).status == status, "\(method) \(path)")
            }
            #expect(try await system.orders().isEmpty, "no bad input stored anything")
        }
    }

    @Test func theChaosSwitchesOfTheConsoleReachInventoryWithTheTokenTyped() async throws {
        try await SystemLauncher.with { system in
            let settings = Data(#"{"gremlin": {"select": {"every": 1}, "delayMs": 2500}}"#.utf8)
            let reply = try await system.request(
                .PUT, system.consoleURL + "/api/admin/chaos", body: settings,
                headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(try system.adminToken)")])
            #expect(reply.status == 200)
            let order = try await system.placeOrder([("PAD-DUALSENSE", 1)])
            #expect(order.status == 202, "every deduction is held back 2.5 s now: past the order deadline")
        }
    }

    /// The alert end to end, without waiting out a window: a 500 ms threshold; one order, then two
    /// whose deductions the gremlin holds back 900 ms (well under a 4.5 s try timeout and a 5 s deadline,
    /// so they still ship on a crowded machine; the default 1 s try left 100 ms and once answered 202):
    /// the average is then at least (0 + 900 + 900) / 3 = 600 ms.
    @Test func theLatencyAlertIsRaisedByOrderPlacementsSlowerThanTheThresholdAndShownThroughTheConsole() async throws {
        let roomy = ["--order-deadline-ms", "5000", "--attempt-timeout-ms", "4500"]
        try await SystemLauncher.with(["--latency-alert-threshold-ms", "500"] + roomy) { system in
            let atRest = try await system.request(.GET, system.consoleURL + "/api/stats/latency").json(LatencyDTO.self)
            #expect(atRest.state == "ok")
            #expect(atRest.count == 0)
            #expect(atRest.averageMs == nil)
            #expect(atRest.thresholdMs == 500)

            #expect(try await system.placeOrder([("CABLE-HDMI21", 1)]).status == 201)
            let fast = try await system.request(.GET, system.orderURL + "/stats/latency").json(LatencyDTO.self)
            #expect(fast.count == 1)
            // One order alone can take longer than 500 ms on a crowded machine (a CI rehearsal saw it):
            // the state follows its average either way. The two slow ones below raise it whatever this was.
            let fastAverage = try #require(fast.averageMs)
            #expect(fast.state == (fastAverage > 500 ? "alert" : "ok"), "average \(fastAverage) ms: \(fast.state)")

            let gremlin = Data(#"{"gremlin": {"select": {"every": 1}, "delayMs": 900}}"#.utf8)
            let chaos = try await system.request(
                .PUT, system.consoleURL + "/api/admin/chaos", body: gremlin,
                headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(try system.adminToken)")])
            #expect(chaos.status == 200)
            for _ in 0..<2 {
                let reply = try await system.placeOrder([("CABLE-HDMI21", 1)])
                #expect(reply.status == 201)
                #expect(reply.headers["X-Gremlin-Delay"].first == "900", "the order service passes inventory's delay on")
            }
            let slow = try await system.request(.GET, system.consoleURL + "/api/stats/latency").json(LatencyDTO.self)
            #expect(slow.measured == "POST /orders")
            #expect(slow.count == 3)
            #expect(try #require(slow.averageMs) >= 600)
            #expect(slow.state == "alert")
            #expect(try #require(slow.p99Ms) >= 900)

            let metrics = String(decoding: try await system.request(.GET, system.orderURL + "/metrics").body, as: UTF8.self)
            #expect(
                metrics.contains(#"http_server_request_duration_seconds_count{route="/orders",method="POST",status="201"} 3"#))
        }
    }
}

struct LatencyDTO: Codable, Sendable {
    var measured: String
    var windowSeconds: Int
    var count: Int
    var averageMs: Double?
    var p99Ms: Double?
    var thresholdMs: Double
    var state: String
}

extension SystemLauncher {
    /// The JSON log lines of every process that carry `request_id` = `requestID`.
    func logLines(requestID: String) -> [[String: Any]] {
        log().split(separator: "\n").compactMap { line in
            guard line.hasPrefix("{"),
                let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                object["request_id"] as? String == requestID
            else { return nil }
            return object
        }
    }
}
