import Testing
import WarehouseLab

@Suite("FreePorts")
struct FreePortsTests {
    /// Systems started side by side (the system tests run in parallel) must not be given the same port:
    /// one system's service would answer for another's. Without the process-wide record, 300 ports
    /// drawn from the kernel's ephemeral range here repeat one another more often than not.
    @Test("free ports are never handed out twice in one process")
    func portsAreUnique() async throws {
        let batches = try await withThrowingTaskGroup(of: [Int].self) { group in
            for _ in 0..<100 { group.addTask { try FreePorts.take(3) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let ports = batches.flatMap { $0 }
        #expect(ports.count == 300)
        #expect(Set(ports).count == ports.count)
        #expect(ports.allSatisfy { (1024...65535).contains($0) })
    }
}
