import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The real `strikeledger` binary, serving on an ephemeral loopback port over a fresh
/// database in a temporary directory.
final class ServerProcess: @unchecked Sendable {
    let directory: URL
    let database: String
    let process: Process
    let port: Int
    private let stderrPipe: Pipe

    /// The binary that `swift build` put beside the test bundle (or $STRIKELEDGER_BIN).
    static var binary: String {
        if let env = ProcessInfo.processInfo.environment["STRIKELEDGER_BIN"] { return env }
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        var dir = bundle
        for _ in 0..<3 {
            let candidate = dir.appendingPathComponent("strikeledger").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return bundle.appendingPathComponent("strikeledger").path
    }

    /// Runs a CLI subcommand to completion: (exit status, stdout, stderr).
    static func cli(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    /// - Parameter asFromAShell: start the server with no signal blocked, as a shell would;
    ///   a child of the test runner otherwise inherits the runner's blocked signals, which
    ///   would hide a server that dies of SIGTERM instead of shutting down.
    /// - Parameter database: serve this database (a path or URL) instead of a fresh one.
    init(extraArguments: [String] = [], environment: [String: String] = [:], asFromAShell: Bool = false, database: String? = nil,
         prepare: (String) throws -> Void = { _ in }) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("strikeledger-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.database = try database ?? TestDatabase.fresh(in: directory)
        try prepare(self.database)
        process = Process()
        let serve = ["serve", "--db", self.database, "--host", "127.0.0.1", "--port", "0"] + extraArguments
        if asFromAShell {
            // python3 clears the signal mask, then becomes the server (same pid) by exec.
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-c",
                                 "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); os.execv(sys.argv[1], sys.argv[1:])",
                                 Self.binary] + serve
        } else {
            process.executableURL = URL(fileURLWithPath: Self.binary)
            process.arguments = serve
        }
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        stderrPipe = Pipe()
        process.standardError = stderrPipe
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // The server logs "listening on http://127.0.0.1:PORT" once it accepts connections.
        var log = ""
        var found: Int?
        let handle = stderrPipe.fileHandleForReading
        let deadline = Date().addingTimeInterval(30)
        while found == nil, Date() < deadline {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            log += String(decoding: chunk, as: UTF8.self)
            if let range = log.range(of: #"listening on http://[^ ]*:(\d+)"#, options: .regularExpression) {
                found = Int(log[range].split(separator: ":").last!)
            }
        }
        guard let port = found else {
            process.terminate()
            throw E2EError("server did not start: \(log)")
        }
        self.port = port
        // Keep draining the log so the server never blocks on a full pipe.
        handle.readabilityHandler = { h in _ = h.availableData }
    }

    /// Sends SIGTERM and waits; returns the exit status. The database's directory is
    /// removed unless `keepingDatabase` (for a server started on it again).
    @discardableResult
    func stop(keepingDatabase: Bool = false) -> Int32 {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
        }
        stderrPipe.fileHandleForReading.readabilityHandler = nil
        if !keepingDatabase { try? FileManager.default.removeItem(at: directory) }
        return process.terminationStatus
    }

    func client() -> HTTPClient { HTTPClient(port: port) }
}

/// Where an end-to-end server keeps its data: a SQLite file in the test's directory, or,
/// when `STRIKELEDGER_E2E_POSTGRES` names a PostgreSQL server (a URL whose user may create
/// databases), a new database on it, so the same tests run on either engine.
enum TestDatabase {
    static let postgresServer = ProcessInfo.processInfo.environment["STRIKELEDGER_E2E_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }
    static var isPostgres: Bool { postgresServer != nil }

    static func fresh(in directory: URL) throws -> String {
        guard let server = postgresServer else { return directory.appendingPathComponent("ledger.sqlite").path }
        let name = "e2e_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let psql = Process()
        psql.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        psql.arguments = ["psql", "-q", "-v", "ON_ERROR_STOP=1", server, "-c", "CREATE DATABASE \(name)"]
        psql.standardOutput = FileHandle.nullDevice
        psql.standardInput = FileHandle.nullDevice
        try psql.run()
        psql.waitUntilExit()
        guard psql.terminationStatus == 0 else { throw E2EError("psql could not create database \(name)") }
        // The same server and credentials, another database: replace the URL's path.
        guard var url = URLComponents(string: server) else { throw E2EError("not a URL: \(server)") }
        url.path = "/" + name
        return url.string!
    }
}

struct E2EError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// One server shared by the end-to-end tests of this process, with a key per role.
enum Shared {
    struct Fixture: Sendable {
        let server: ServerProcess
        let reporter: String
        let editor: String
        let admin: String
    }

    static let fixture: Fixture = {
        var keys: [String: String] = [:]
        let server = try! ServerProcess { db in
            for role in ["reporter", "editor", "admin"] {
                let r = try ServerProcess.cli(["keys", "create", "--db", db, "--name", "e2e-\(role)", "--role", role])
                guard r.status == 0 else { throw E2EError("keys create failed: \(r.err)") }
                keys[role] = r.out.trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
        sharedPID = server.process.processIdentifier
        atexit { if sharedPID > 0 { kill(sharedPID, SIGTERM) } }
        return Fixture(server: server, reporter: keys["reporter"]!, editor: keys["editor"]!, admin: keys["admin"]!)
    }()
}

nonisolated(unsafe) private var sharedPID: pid_t = 0
