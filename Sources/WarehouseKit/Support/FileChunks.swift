import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A file's bytes as an async sequence of slices, read front to back on demand: an HTTP body that
/// streams a large file (a backup pack) without holding it in memory.
package struct FileChunks: AsyncSequence, Sendable {
    package typealias Element = ArraySlice<UInt8>

    package let url: URL
    package let chunkSize: Int

    package init(url: URL, chunkSize: Int = 256 * 1024) {
        self.url = url
        self.chunkSize = chunkSize
    }

    package func makeAsyncIterator() -> Iterator {
        Iterator(url: url, chunkSize: chunkSize)
    }

    package final class Iterator: AsyncIteratorProtocol {
        private let url: URL
        private let chunkSize: Int
        private var fd: Int32 = -1
        private var finished = false

        init(url: URL, chunkSize: Int) {
            self.url = url
            self.chunkSize = chunkSize
        }

        deinit {
            if fd >= 0 { close(fd) }
        }

        package func next() async throws -> ArraySlice<UInt8>? {
            guard !finished else { return nil }
            if fd < 0 {
                fd = open(url.path, O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else { throw FileChunksError(path: url.path, errno: errno) }
            }
            var buffer = [UInt8](repeating: 0, count: chunkSize)
            while true {
                let got = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, chunkSize) }
                if got < 0 && errno == EINTR { continue }
                guard got >= 0 else { throw FileChunksError(path: url.path, errno: errno) }
                if got == 0 {
                    finished = true
                    return nil
                }
                return buffer[0..<got]
            }
        }
    }
}

package struct FileChunksError: Error, CustomStringConvertible {
    package var path: String
    package var errno: Int32

    package var description: String { "cannot read \(path): \(String(cString: strerror(errno)))" }
}
