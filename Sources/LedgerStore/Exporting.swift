import LedgerModel

extension LedgerStore {
    /// Writes an export (header, rows, closing) through `write` in chunks of about 64 KiB,
    /// as the rows are read: `write` returns false to stop (the client went away).
    public func writeExport(_ format: ExportFormat, _ query: ExportQuery, chunkBytes: Int = 64 * 1024,
                            _ write: ([UInt8]) -> Bool) throws(StoreError) {
        var buffer = format.prologue
        buffer.reserveCapacity(chunkBytes + 16 * 1024)
        var open = true
        if format.isRevisions {
            try exportRevisions(query) { r in
                format.append(r, to: &buffer)
                if buffer.count >= chunkBytes { open = write(buffer); buffer.removeAll(keepingCapacity: true) }
                return open
            }
        } else {
            var first = true
            try exportStrikes(query) { s in
                format.append(s, first: first, to: &buffer)
                first = false
                if buffer.count >= chunkBytes { open = write(buffer); buffer.removeAll(keepingCapacity: true) }
                return open
            }
        }
        guard open else { return }
        buffer += format.epilogue
        _ = write(buffer)
    }
}
