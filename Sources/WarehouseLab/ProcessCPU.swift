import Foundation

/// CPU time processes have used, from `/proc`: how `load` says what an order costs each process.
package enum ProcessCPU {
    /// User plus system time of `pid` so far, in seconds; with `reapedChildren`, also that of its
    /// children that have exited (a PostgreSQL server's ended sessions).
    package static func seconds(pid: Int32, reapedChildren: Bool = false) -> Double? {
        guard let fields = statFields(pid), fields.count > 14 else { return nil }
        // After the command name, from 0: state, ppid, …, utime (11), stime, cutime, cstime (14).
        let ticks = (11...(reapedChildren ? 14 : 12)).compactMap { Double(fields[$0]) }.reduce(0, +)
        return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// A PostgreSQL server's CPU time: its postmaster (the first line of `DATA/postmaster.pid`), the
    /// sessions it has ended, and every process of it still running.
    package static func postgresSeconds(dataDirectory: URL) -> Double? {
        guard let text = try? String(contentsOf: dataDirectory.appendingPathComponent("postmaster.pid"), encoding: .utf8),
            let line = text.split(separator: "\n").first, let postmaster = Int32(line)
        else { return nil }
        let children = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap(Int32.init).filter {
            statFields($0).map { $0.count > 1 && $0[1] == "\(postmaster)" } ?? false
        }
        guard let own = seconds(pid: postmaster, reapedChildren: true) else { return nil }
        return own + children.compactMap { seconds(pid: $0) }.reduce(0, +)
    }

    /// The fields of `/proc/PID/stat` after the command name (which may hold spaces): state first.
    private static func statFields(_ pid: Int32) -> [Substring]? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let end = stat.lastIndex(of: ")")
        else { return nil }
        return stat[stat.index(after: end)...].split(separator: " ")
    }
}
