/// A projection of the registry state together with the sequence number it reflects (serve it as `X-Registry-Seq`).
public struct Stamped<Body: Sendable>: Sendable {
    /// The sequence number of the last event the body reflects.
    public let seq: Int
    /// The projection.
    public let body: Body

    /// Creates a stamped body.
    /// - Parameters:
    ///   - seq: The sequence number.
    ///   - body: The projection.
    public init(seq: Int, body: Body) {
        self.seq = seq
        self.body = body
    }
}

extension Stamped: Equatable where Body: Equatable {}
extension Stamped: Hashable where Body: Hashable {}
