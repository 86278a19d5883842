import Crypto
import Foundation

/// Standard Webhooks 1.0 signing: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed
/// with the bytes a `whsec_` secret encodes in base64.
enum WebhookSignature {
    static let secretPrefix = "whsec_"

    /// A new secret: `whsec_` and the base64 of 32 random bytes.
    static func newSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return secretPrefix + Data(bytes).base64EncodedString()
    }

    /// The key a secret stands for, or nil when it is not a `whsec_` secret.
    static func key(of secret: String) -> SymmetricKey? {
        guard secret.hasPrefix(secretPrefix), let data = Data(base64Encoded: String(secret.dropFirst(secretPrefix.count))) else {
            return nil
        }
        return SymmetricKey(data: data)
    }

    /// The `webhook-signature` field: one `v1,` signature per secret, space-separated.
    static func header(id: String, timestamp: Int64, body: [UInt8], secrets: [String]) -> String {
        var content = Array("\(id).\(timestamp).".utf8)
        content += body
        return secrets.compactMap(key(of:)).map { key in
            "v1," + Data(HMAC<SHA256>.authenticationCode(for: content, using: key)).base64EncodedString()
        }.joined(separator: " ")
    }
}
