import Crypto
import LedgerModel

/// What a key may do; each role includes the ones before it.
public enum Role: String, Sendable, CaseIterable, Comparable {
    case reporter, editor, admin
    public static func < (a: Role, b: Role) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// An API key as stored: never the key itself, only its SHA-256.
public struct APIKey: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var role: Role
    public var createdAt: Timestamp
    public var revokedAt: Timestamp?
    public init(id: Int64, name: String, role: Role, createdAt: Timestamp, revokedAt: Timestamp?) {
        self.id = id; self.name = name; self.role = role; self.createdAt = createdAt; self.revokedAt = revokedAt
    }
}

extension APIKey {
    /// A new secret: `sl_` and 40 letters and digits from the system's random source.
    public static func generateSecret() -> String {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        return "sl_" + String((0..<40).map { _ in alphabet[Int(rng.next(upperBound: UInt64(alphabet.count)))] })
    }

    /// What a store keeps of a secret: its SHA-256, never the secret itself.
    public static func hash(_ secret: String) -> [UInt8] { Array(SHA256.hash(data: Array(secret.utf8))) }
}
