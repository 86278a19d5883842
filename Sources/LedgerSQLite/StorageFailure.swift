import Glibc
import GRDB
import GRDBSQLite
import LedgerStore

/// How SQLite says the disk is full: `SQLITE_FULL` when the database or its WAL cannot
/// grow, or an I/O error whose system call failed with `ENOSPC` (or `EDQUOT`), as when
/// the WAL index (`-shm`) cannot grow.
enum StorageFailure {
    /// `error` as the store reports it: `.storageFull` when it says the disk is full,
    /// else the error unchanged. `systemErrno` is asked only for I/O errors.
    static func classify(_ error: any Error, systemErrno: () -> Int32) -> any Error {
        guard let e = error as? DatabaseError else { return error }
        if e.resultCode == .SQLITE_FULL { return StoreError.storageFull(e.description) }
        if e.resultCode == .SQLITE_IOERR {
            let errno = systemErrno()
            if errno == ENOSPC || errno == EDQUOT { return StoreError.storageFull("\(e.description) (errno \(errno))") }
        }
        return error
    }

    /// The errno of the last failed system call on `db`'s connection.
    static func systemErrno(of db: Database) -> Int32 {
        guard let connection = db.sqliteConnection else { return 0 }
        return sqlite3_system_errno(connection)
    }
}
