import Foundation
import ServiceLifecycle

/// Ends the process's service group when the supervisor that started it is gone, so a child of
/// `warehouse up` never outlives it (even when the supervisor was killed with SIGKILL).
struct ParentWatch: Service {
    let parent: Int32

    func run() async {
        // Cancellation here means "the process is stopping anyway": end quietly, not as a failure that
        // would cancel the server's own graceful shutdown.
        await cancelWhenGracefulShutdown {
            while getppid() == parent {
                do { try await Task.sleep(for: .milliseconds(500)) } catch { return }
            }
        }
    }
}
