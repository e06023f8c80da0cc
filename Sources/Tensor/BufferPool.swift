import Synchronization

// MARK: - Buffer pool

/// A process-wide pool of 64-byte aligned `Float` buffers, keyed by exact capacity.
///
/// Training repeats the same shapes every step, so after the first step every tensor buffer comes from the pool
/// instead of `malloc` (and the page faults of fresh big allocations). The pool caches at most
/// `maximumCachedBytes`; buffers returned beyond that are freed.
public final class BufferPool: Sendable {
    /// The pool every tensor uses.
    public static let shared = BufferPool(maximumCachedBytes: 2 << 30)

    /// Counters describing the pool's use since the process started.
    public struct Statistics: Sendable, Equatable {
        /// Buffers that had to be allocated because the pool had none of that capacity.
        public var freshAllocations: Int
        /// Buffers handed out from the pool.
        public var reuses: Int
        /// Bytes currently held by the pool, waiting for reuse.
        public var cachedBytes: Int
    }

    private struct State {
        var free: [Int: [UInt]] = [:]
        var statistics = Statistics(freshAllocations: 0, reuses: 0, cachedBytes: 0)
    }

    /// The most bytes the pool keeps for reuse.
    public let maximumCachedBytes: Int
    private let state = Mutex(State())

    /// Creates a pool that keeps at most `maximumCachedBytes` for reuse.
    public init(maximumCachedBytes: Int) {
        self.maximumCachedBytes = maximumCachedBytes
    }

    /// The pool's counters.
    public var statistics: Statistics {
        self.state.withLock { $0.statistics }
    }

    /// The capacity actually reserved for `count` elements: a multiple of 16 floats (one cache line), at least 16.
    static func capacity(for count: Int) -> Int {
        max(16, (count + 15) & ~15)
    }

    /// A buffer of exactly `capacity` floats (contents undefined).
    func take(capacity: Int) -> UnsafeMutablePointer<Float> {
        let address: UInt? = self.state.withLock { state in
            guard let address = state.free[capacity]?.popLast() else {
                state.statistics.freshAllocations += 1
                return nil
            }
            state.statistics.reuses += 1
            state.statistics.cachedBytes -= capacity * MemoryLayout<Float>.stride
            return address
        }
        if let address, let pointer = UnsafeMutablePointer<Float>(bitPattern: address) {
            return pointer
        }
        let raw = UnsafeMutableRawPointer.allocate(byteCount: capacity * MemoryLayout<Float>.stride, alignment: 64)
        return raw.bindMemory(to: Float.self, capacity: capacity)
    }

    /// Returns a buffer obtained from `take(capacity:)`.
    func give(_ pointer: UnsafeMutablePointer<Float>, capacity: Int) {
        let bytes = capacity * MemoryLayout<Float>.stride
        let kept: Bool = self.state.withLock { state in
            guard state.statistics.cachedBytes + bytes <= self.maximumCachedBytes else { return false }
            state.free[capacity, default: []].append(UInt(bitPattern: pointer))
            state.statistics.cachedBytes += bytes
            return true
        }
        if !kept {
            pointer.deallocate()
        }
    }

    /// Frees every cached buffer.
    public func drain() {
        let addresses: [UInt] = self.state.withLock { state in
            let all = state.free.values.flatMap { $0 }
            state.free = [:]
            state.statistics.cachedBytes = 0
            return all
        }
        for address in addresses {
            UnsafeMutablePointer<Float>(bitPattern: address)?.deallocate()
        }
    }
}

// MARK: - Storage

/// The contiguous buffer behind one or more tensors (a reshape shares its input's storage).
final class TensorStorage {
    let pointer: UnsafeMutablePointer<Float>
    let capacity: Int

    /// Storage for `count` floats with undefined contents.
    init(count: Int) {
        self.capacity = BufferPool.capacity(for: count)
        self.pointer = BufferPool.shared.take(capacity: self.capacity)
    }

    deinit {
        BufferPool.shared.give(self.pointer, capacity: self.capacity)
    }
}
