import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Writes that survive a crash or a power cut: a file is written under a temporary name, synced, renamed
/// into place, and its directory synced, so it appears complete or not at all. Appends to a log are
/// synced before they return.
package enum DurableFile {
    /// Writes `data` to `url` atomically and durably.
    package static func write(_ data: Data, to url: URL) throws {
        let directory = url.deletingLastPathComponent()
        let staging = directory.appendingPathComponent(
            ".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: .min ... .max))")
        let fd = open(staging.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw BackupError.io("cannot create \(staging.path)", errno: errno) }
        do {
            try writeAll(fd, data, path: staging.path)
            try sync(fd, path: staging.path)
            close(fd)
        } catch {
            close(fd)
            unlink(staging.path)
            throw error
        }
        guard rename(staging.path, url.path) == 0 else {
            let code = errno
            unlink(staging.path)
            throw BackupError.io("cannot rename \(staging.path) to \(url.path)", errno: code)
        }
        try syncDirectory(directory)
    }

    /// Appends `data` to `url` (made if missing) and syncs it before returning.
    package static func append(_ data: Data, to url: URL) throws {
        let existed = FileManager.default.fileExists(atPath: url.path)
        let fd = open(url.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw BackupError.io("cannot open \(url.path)", errno: errno) }
        defer { close(fd) }
        try writeAll(fd, data, path: url.path)
        try sync(fd, path: url.path)
        if !existed { try syncDirectory(url.deletingLastPathComponent()) }
    }

    /// Syncs a directory, so the names created, renamed or removed in it survive a power cut.
    package static func syncDirectory(_ url: URL) throws {
        let fd = open(url.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw BackupError.io("cannot open directory \(url.path)", errno: errno) }
        defer { close(fd) }
        try sync(fd, path: url.path)
    }

    /// Syncs the file at `url` (written by other means, such as a stream).
    package static func syncFile(_ url: URL) throws {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw BackupError.io("cannot open \(url.path)", errno: errno) }
        defer { close(fd) }
        try sync(fd, path: url.path)
    }

    /// Makes `url` and its parents, syncing each directory it creates into its parent.
    package static func makeDirectory(_ url: URL) throws {
        if FileManager.default.fileExists(atPath: url.path) { return }
        try makeDirectory(url.deletingLastPathComponent())
        if mkdir(url.path, 0o700) != 0, errno != EEXIST {
            throw BackupError.io("cannot create directory \(url.path)", errno: errno)
        }
        try syncDirectory(url.deletingLastPathComponent())
    }

    static func writeAll(_ fd: Int32, _ data: Data, path: String) throws {
        try data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw BackupError.io("cannot write \(path)", errno: errno)
                }
                offset += written
            }
        }
    }

    private static func sync(_ fd: Int32, path: String) throws {
        guard fsync(fd) == 0 else { throw BackupError.io("cannot sync \(path)", errno: errno) }
    }
}
