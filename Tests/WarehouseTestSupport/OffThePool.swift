import Foundation

/// Runs `work` on a thread of its own and waits for it without holding a thread of Swift's cooperative
/// pool.
///
/// The whole test run shares that pool, one thread per core: two in CI. A test that chunks megabytes in a
/// debug build, writes thousands of SQLite transactions through a blocking API or waits on `syncfs` holds
/// one of them for seconds, and every timing-sensitive test of the other suites (a deadline, a timeout, a
/// breaker) starves meanwhile. Blocking work in a test goes through here.
package func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try work() }) }
        thread.name = "test: off the cooperative pool"
        thread.start()
    }
}
