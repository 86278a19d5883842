// Standard library only: compiled on its own into the fuzz harness (see fuzz/run.sh).

/// Why a request was refused while parsing: the status code to answer with and a
/// short human-readable detail. Every parse error ends the connection after the answer.
struct HTTPParseError: Error, Equatable, Sendable {
    /// 400, 408, 413, 414, 417, 431, 501 or 505.
    var status: Int
    var detail: String

    init(_ status: Int, _ detail: String) {
        self.status = status
        self.detail = detail
    }

    static func badRequest(_ detail: String) -> HTTPParseError { HTTPParseError(400, detail) }
}
