/// How ``RecommendationService`` precomputes known users' top lists: while no request waits, its ranking thread
/// ranks the dataset's users `eval.batch_users` at a time and keeps each one's ``depth`` best items, so that a
/// `{"user": ID, "k": k}` request with `k` up to ``depth`` is answered from memory once that user is cached.
///
/// The model is read-only while serving, so a known user's ranking never changes; requests always go before the
/// cache, and the rest (`k` above ``depth``, users not cached yet, `{"history": …}`) are ranked live.
public struct UserCacheOptions: Sendable {
    /// The items kept per user when not told otherwise (`mixrec serve --cache-k`).
    public static let defaultDepth = 100

    /// The items kept per user (at least 1): the largest `k` answered from the cache.
    public var depth: Int
    /// Called on the ranking thread after every batch of users is cached, last with a complete progress; it must
    /// return quickly (requests wait meanwhile).
    public var batchDone: @Sendable (UserCacheProgress) -> Void

    /// - Parameters:
    ///   - depth: the items kept per user (at least 1).
    ///   - batchDone: called after every batch of users is cached, on the ranking thread.
    public init(depth: Int = Self.defaultDepth, batchDone: @escaping @Sendable (UserCacheProgress) -> Void = { _ in }) {
        precondition(depth >= 1, "the cache keeps at least one item per user")
        self.depth = depth
        self.batchDone = batchDone
    }
}

/// How far the known users' cache is.
public struct UserCacheProgress: Sendable {
    /// Users whose top list is cached.
    public var cached: Int
    /// Users to cache: those with at least one item in their history.
    public var total: Int
    /// Seconds since the service started filling the cache.
    public var seconds: Double

    /// Whether every user is cached.
    public var isComplete: Bool { self.cached == self.total }
}
