import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Reads a file once, front to back, and hands out its content-defined chunks without copying them.
package struct FileChunkReader {
    package let chunker: ContentDefinedChunker
    /// Bytes read per system call; the buffer holds this plus one maximum-size chunk.
    package var readSize = 4 * 1024 * 1024

    package init(chunker: ContentDefinedChunker) {
        self.chunker = chunker
    }

    /// Calls `body` with each chunk of the file at `path`, in order. The bytes are valid only during the call.
    package func forEachChunk(ofFileAt path: String, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw BackupError.io("cannot open \(path)", errno: errno) }
        defer { close(fd) }
        let capacity = readSize + chunker.parameters.maximumSize
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
        defer { buffer.deallocate() }
        var start = 0
        var end = 0
        var atEnd = false
        while true {
            // Keep at least one maximum-size chunk ahead, so a boundary is never cut short by the buffer.
            if !atEnd && end - start < chunker.parameters.maximumSize {
                if start > 0 {
                    buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + start, byteCount: end - start)
                    end -= start
                    start = 0
                }
                while end < capacity {
                    let got = read(fd, buffer.baseAddress! + end, capacity - end)
                    if got < 0 {
                        if errno == EINTR { continue }
                        throw BackupError.io("cannot read \(path)", errno: errno)
                    }
                    if got == 0 {
                        atEnd = true
                        break
                    }
                    end += got
                }
            }
            guard start < end else { return }
            let pending = UnsafeRawBufferPointer(rebasing: buffer[start..<end])
            let length = chunker.boundary(in: pending)
            try body(UnsafeRawBufferPointer(rebasing: pending[0..<length]))
            start += length
        }
    }
}
