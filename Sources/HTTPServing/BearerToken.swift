import Foundation

/// The bearer token every request must carry (`Authorization: Bearer <token>`), read from a file.
public struct BearerToken: Sendable {
    private let bytes: [UInt8]

    /// Reads the token from `file`: its text without surrounding white space.
    /// - Throws: ``HTTPServerError/tokenFile(path:message:)`` when the file cannot be read or holds no token.
    public init(contentsOf file: URL) throws(HTTPServerError) {
        let text: String
        do {
            text = try String(contentsOf: file, encoding: .utf8)
        } catch {
            throw .tokenFile(path: file.path, message: "\(error.localizedDescription)")
        }
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw .tokenFile(path: file.path, message: "the file is empty") }
        self.bytes = Array(token.utf8)
    }

    /// Whether `request` carries the token; compares in constant time (for tokens of equal length).
    public func authorizes(_ request: HTTPRequest) -> Bool {
        guard let header = request.headers["authorization"], header.hasPrefix("Bearer ") else { return false }
        let offered = Array(header.utf8.dropFirst("Bearer ".utf8.count))
        var difference = UInt8(offered.count == self.bytes.count ? 0 : 1)
        for index in 0..<self.bytes.count {
            difference |= self.bytes[index] ^ (index < offered.count ? offered[index] : 0)
        }
        return difference == 0
    }

    /// The `WWW-Authenticate` header a 401 carries.
    public static let challenge = ("WWW-Authenticate", "Bearer")
}
