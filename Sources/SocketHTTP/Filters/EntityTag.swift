/// Entity tags (RFC 9110, 8.8.3) as `ETag`, `If-None-Match` and `If-Match` carry them.
public enum EntityTag {
    /// Whether a list of entity tags (an `If-None-Match` or `If-Match` value) names
    /// `tag`, by the weak comparison of RFC 9110, 8.8.3.2: `W/"x"` and `"x"` are the
    /// same tag; `*` names any. A malformed member ends the list (what came before counts).
    public static func list(_ list: String, containsWeakly tag: String) -> Bool {
        var tag = tag
        var list = list
        return tag.withUTF8 { tagBytes in
            let opaque = opaqueTag(tagBytes[...])
            return list.withUTF8 { bytes in
                var i = 0
                let n = bytes.count
                while i < n {
                    // Skip OWS and empty members.
                    while i < n, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x2C { i += 1 }
                    guard i < n else { return false }
                    if bytes[i] == 0x2A { return true }  // "*"
                    if bytes[i] == 0x57, i + 1 < n, bytes[i + 1] == 0x2F { i += 2 }  // "W/"
                    guard i < n, bytes[i] == 0x22 else { return false }
                    var end = i + 1
                    while end < n, bytes[end] != 0x22 { end += 1 }
                    guard end < n else { return false }
                    if let opaque, bytes[i...end].elementsEqual(opaque) { return true }
                    i = end + 1
                }
                return false
            }
        }
    }

    /// The weak form of a tag: `"x"` becomes `W/"x"`; a weak tag stays as it is.
    public static func weak(_ tag: String) -> String {
        tag.utf8.starts(with: "W/".utf8) ? tag : "W/" + tag
    }

    /// The quoted part of a tag, without `W/`; nil when it is not a tag.
    private static func opaqueTag(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> Slice<UnsafeBufferPointer<UInt8>>? {
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        if end - start >= 2, bytes[start] == 0x57, bytes[start + 1] == 0x2F { start += 2 }
        guard end - start >= 2, bytes[start] == 0x22, bytes[end - 1] == 0x22 else { return nil }
        return bytes[start..<end]
    }
}
