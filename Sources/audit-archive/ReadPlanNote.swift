import AuditArchive
import Foundation

/// Says on standard error what a query will read when that is more than an index and a few
/// members of the hours it names: segments read whole and, for a lookup (`body`), every hour's
/// indexes when nothing bounds its time.
func noteReadPlan(_ plan: ArchiveQuery.Plan, lookup: Bool) {
    var parts: [String] = []
    if lookup, !plan.hours.isBounded, plan.indexedSegments > 0 {
        parts.append("no time bound (--from/--to narrow it): reading the indexes of \(plan.indexedSegments) segments (\(mebibytes(plan.indexBytes)))")
    }
    if plan.scannedSegments > 0 {
        parts.append("reading \(plan.scannedSegments) segments whole (\(mebibytes(plan.scannedBytes))): written before indexes, or checked whole")
    }
    guard !parts.isEmpty else { return }
    FileHandle.standardError.write(Data("audit-archive: \(parts.joined(separator: "; ")), after listing \(plan.directoriesListed) directories\n".utf8))
}

/// `bytes` as MiB with one decimal.
func mebibytes(_ bytes: Int) -> String {
    String(format: "%.1f MiB", Double(bytes) / 1_048_576)
}
