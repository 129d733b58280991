import NIOCore
import NIOPosix
import Synchronization

/// Thrown when an operation did not finish before its deadline. It says nothing about whether the
/// operation took effect: for a remote call the outcome is unknown, never "failed".
package struct DeadlineExceeded: Error, Equatable, CustomStringConvertible {
    package init() {}
    package var description: String { "deadline exceeded" }
}

/// Runs `operation` but returns control at `deadline` at the latest, cancelling the operation and
/// throwing `DeadlineExceeded`.
///
/// Unlike a task group, this does not wait for the cancelled operation to wind down: the caller gets
/// its answer on time even if the operation is slow to notice cancellation.
package func withDeadline<T: Sendable>(
    _ deadline: ContinuousClock.Instant,
    operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    let race = Race<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            let work = Task {
                do { race.finish(.success(try await operation())) } catch { race.finish(.failure(error)) }
            }
            // A timer on NIO's event loops is an entry in a heap. A task sleeping until the deadline was
            // a task, a dispatch timer and a cancellation, twice per order: 4-5% of the order service's
            // CPU (perf, issue 6).
            let timer = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(
                in: TimeAmount(max(ContinuousClock.now.duration(to: deadline), .zero))
            ) {
                race.finish(.failure(DeadlineExceeded()))
            }
            race.start(continuation) {
                work.cancel()
                timer.cancel()
            }
        }
    } onCancel: {
        race.finish(.failure(CancellationError()))
    }
}

/// The first of several finishers resumes the continuation; the rest are ignored, and whatever still
/// runs for the race (the operation, the timer) is cancelled.
private final class Race<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var cancel: (@Sendable () -> Void)?
        var early: Result<T, any Error>?
        var done = false
    }

    private let state = Mutex(State())

    func start(_ continuation: CheckedContinuation<T, any Error>, cancel: @escaping @Sendable () -> Void) {
        let early: Result<T, any Error>? = state.withLock { state in
            state.cancel = cancel
            if let early = state.early { return early }
            state.continuation = continuation
            return nil
        }
        if let early {
            cancel()
            continuation.resume(with: early)
        }
    }

    func finish(_ result: Result<T, any Error>) {
        let (continuation, cancel): (CheckedContinuation<T, any Error>?, (@Sendable () -> Void)?) = state.withLock {
            state in
            guard !state.done else { return (nil, nil) }
            state.done = true
            guard let continuation = state.continuation else {
                // Finished before `start` installed the continuation: hand the result over there.
                state.early = result
                return (nil, nil)
            }
            state.continuation = nil
            return (continuation, state.cancel)
        }
        cancel?()
        continuation?.resume(with: result)
    }
}
