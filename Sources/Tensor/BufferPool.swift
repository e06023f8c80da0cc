import Foundation
import Synchronization

// MARK: - Buffer pool

/// A process-wide pool of 64-byte aligned `Float` buffers, keyed by capacity.
///
/// Training repeats the same or nearly the same shapes every step, so after the first steps nearly every tensor
/// buffer comes from the pool instead of `malloc` (and the page faults of fresh big allocations): capacities from
/// `sizeClassBytes` on come in size classes (``capacity(for:)``) and such a request may take a cached buffer a
/// little larger than it needs. Three rules keep the pool from inflating
/// the process's footprint:
/// - **Budget.** It caches at most `maximumCachedBytes`; returning a buffer beyond that frees the least recently
///   returned cached buffers first.
/// - **Pressure.** When a large buffer (at least `largeBufferBytes`) must be freshly allocated because no cached
///   buffer has its capacity, the pool first frees up to as many bytes of stale cached buffers: those returned
///   more than `staleAfter` pool operations ago, which a loop repeating the same shapes would have reused by
///   then. So after shapes change (another batch size, fewer blocks) the old working set is released as the new
///   one grows, while steady-state training (every buffer reused within a step) never frees anything.
/// - **Trim.** `trim(keepingBytes:)` (and `drain()`) free cached buffers on request, e.g. between phases.
///
/// Large buffers are mapped directly from the kernel, so freeing them returns the memory to the system at once.
public final class BufferPool: Sendable {
    /// The pool every tensor uses, with ``defaultBudget(physicalMemory:)``.
    public static let shared = BufferPool(
        maximumCachedBytes: defaultBudget(physicalMemory: ProcessInfo.processInfo.physicalMemory))

    /// A quarter of the machine's memory, at most 4 GiB. A 1 GiB budget did not hold amazon-beauty's working set
    /// (its `[rows, 12,101]` score tensors): every step mapped about 400 MB afresh, 100,000 page faults.
    static func defaultBudget(physicalMemory: UInt64) -> Int {
        Int(min(physicalMemory / 4, 4 << 30))
    }

    /// Buffers of at least this many bytes are large: mapped from the kernel, and their misses release stale
    /// cached buffers (smaller ones are too cheap to matter and come from `malloc`).
    public static let largeBufferBytes = 1 << 20

    /// Buffers of at least this many bytes come in size classes (``capacity(for:)``), and a request may take a
    /// cached one a little larger than it needs.
    public static let sizeClassBytes = 1 << 16

    /// Pool operations (takes and returns) after which an unused cached buffer counts as stale: several times
    /// what one forward and backward pass of a 30-block model performs.
    public static let staleAfter: UInt64 = 8192

    /// Counters describing the pool's use since it was created.
    public struct Statistics: Sendable, Equatable {
        /// Buffers that had to be allocated because the pool had none of that capacity.
        public var freshAllocations: Int
        /// Buffers handed out from the pool.
        public var reuses: Int
        /// Bytes currently held by the pool, waiting for reuse.
        public var cachedBytes: Int
        /// Cached buffers freed by the budget, by pressure or by `trim`.
        public var evictions: Int = 0
    }

    /// A cached buffer: its address and when it was returned (a sequence number).
    private struct Entry {
        let address: UInt
        let returned: UInt64
    }

    private struct State {
        /// Cached buffers per capacity, oldest first.
        var free: [Int: [Entry]] = [:]
        var clock: UInt64 = 0
        var statistics = Statistics(freshAllocations: 0, reuses: 0, cachedBytes: 0)

        /// Takes the most recently returned cached buffer of `capacity`, else of the smallest cached capacity at most
        /// `slack` floats larger.
        mutating func popCached(_ capacity: Int, upTo slack: Int) -> (address: UInt, capacity: Int)? {
            let found =
                self.free[capacity] != nil
                ? capacity
                : slack == 0 ? nil : self.free.keys.filter { $0 > capacity && $0 <= capacity + slack }.min()
            guard let found, let entry = self.free[found]?.popLast() else { return nil }
            if self.free[found]?.isEmpty == true { self.free[found] = nil }
            return (entry.address, found)
        }

        /// Removes least recently returned buffers until at most `limit` bytes stay cached, or (with
        /// `returnedBefore`) until the oldest left was returned at or after that time.
        /// - Returns: the removed buffers, to be freed outside the lock.
        mutating func evict(downTo limit: Int, returnedBefore: UInt64 = .max) -> [(address: UInt, capacity: Int)] {
            var evicted: [(address: UInt, capacity: Int)] = []
            while self.statistics.cachedBytes > limit {
                guard
                    let (capacity, returned) =
                        self.free
                        .compactMap({ capacity, entries in entries.first.map { (capacity, $0.returned) } })
                        .min(by: { $0.1 < $1.1 }),
                    returned < returnedBefore,
                    let entry = self.free[capacity]?.removeFirst()
                else { break }
                if self.free[capacity]?.isEmpty == true { self.free[capacity] = nil }
                self.statistics.cachedBytes -= BufferPool.bytes(capacity)
                self.statistics.evictions += 1
                evicted.append((entry.address, capacity))
            }
            return evicted
        }
    }

    /// The most bytes the pool keeps for reuse.
    public let maximumCachedBytes: Int
    private let state = Mutex(State())

    /// Creates a pool that keeps at most `maximumCachedBytes` for reuse.
    public init(maximumCachedBytes: Int) {
        self.maximumCachedBytes = max(0, maximumCachedBytes)
    }

    /// The pool's counters.
    public var statistics: Statistics {
        self.state.withLock { $0.statistics }
    }

    /// The capacity actually reserved for `count` elements: a multiple of 16 floats (one cache line), at least 16;
    /// from `sizeClassBytes` on it is rounded up further, to one of eight sizes per doubling (at most 12.5 % more).
    /// Training shapes vary a little from step to step (a batch's distinct items, its longest window); with exact
    /// sizes every such tensor missed the cache and got fresh pages, whose first-touch faults took 13 % of a MixRec
    /// trial's CPU time on ml-100k as system time alone (for mapped buffers; `malloc`'s medium ones, 64 KiB to
    /// 1 MiB, still cost a ml-100k step about 5,000 faults until they were classed too).
    static func capacity(for count: Int) -> Int {
        let lines = max(16, (count + 15) & ~15)
        guard Self.bytes(lines) >= Self.sizeClassBytes else { return lines }
        let highestBit = Int.bitWidth - 1 - lines.leadingZeroBitCount
        let step = 1 << (highestBit - 3)
        return (lines + step - 1) & ~(step - 1)
    }

    static func bytes(_ capacity: Int) -> Int {
        capacity * MemoryLayout<Float>.stride
    }

    // MARK: - Taking and giving

    /// A buffer of at least `capacity` floats (contents undefined) and its actual capacity, to give back with it:
    /// a cached buffer of exactly that capacity, else from `sizeClassBytes` on the smallest cached buffer up to a
    /// quarter larger (a step whose shapes are a little smaller than the last one's reuses its buffers), else fresh
    /// memory of exactly `capacity`.
    func take(capacity: Int) -> (pointer: UnsafeMutablePointer<Float>, capacity: Int) {
        let bytes = Self.bytes(capacity)
        let (reused, evicted): ((address: UInt, capacity: Int)?, [(address: UInt, capacity: Int)]) =
            self.state.withLock { state in
                state.clock += 1
                if let found = state.popCached(capacity, upTo: bytes >= Self.sizeClassBytes ? capacity / 4 : 0) {
                    state.statistics.reuses += 1
                    state.statistics.cachedBytes -= Self.bytes(found.capacity)
                    return (found, [])
                }
                state.statistics.freshAllocations += 1
                guard bytes >= Self.largeBufferBytes, state.clock > Self.staleAfter else { return (nil, []) }
                let evicted = state.evict(
                    downTo: max(0, state.statistics.cachedBytes - bytes), returnedBefore: state.clock - Self.staleAfter)
                return (nil, evicted)
            }
        Self.release(evicted)
        if let reused, let pointer = UnsafeMutablePointer<Float>(bitPattern: reused.address) {
            return (pointer, reused.capacity)
        }
        return (Self.allocate(capacity: capacity), capacity)
    }

    /// Returns a buffer obtained from `take(capacity:)`, with the capacity `take` gave.
    func give(_ pointer: UnsafeMutablePointer<Float>, capacity: Int) {
        let bytes = Self.bytes(capacity)
        let evicted: [(address: UInt, capacity: Int)]? = self.state.withLock { state in
            guard bytes <= self.maximumCachedBytes else { return nil }
            let evicted = state.evict(downTo: self.maximumCachedBytes - bytes)
            state.clock += 1
            state.free[capacity, default: []].append(Entry(address: UInt(bitPattern: pointer), returned: state.clock))
            state.statistics.cachedBytes += bytes
            return evicted
        }
        guard let evicted else {
            Self.free(pointer, capacity: capacity)
            return
        }
        Self.release(evicted)
    }

    // MARK: - Trimming

    /// Frees the least recently returned cached buffers until at most `keepingBytes` stay cached.
    public func trim(keepingBytes: Int = 0) {
        Self.release(self.state.withLock { $0.evict(downTo: max(0, keepingBytes)) })
    }

    /// Frees every cached buffer.
    public func drain() {
        self.trim(keepingBytes: 0)
    }

    // MARK: - Memory

    private static func release(_ buffers: [(address: UInt, capacity: Int)]) {
        for (address, capacity) in buffers {
            if let pointer = UnsafeMutablePointer<Float>(bitPattern: address) {
                Self.free(pointer, capacity: capacity)
            }
        }
    }

    /// Fresh memory: mapped pages for large buffers (page aligned), `malloc` (64-byte aligned) for the rest.
    private static func allocate(capacity: Int) -> UnsafeMutablePointer<Float> {
        let bytes = Self.bytes(capacity)
        guard bytes >= Self.largeBufferBytes else {
            let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
            return raw.bindMemory(to: Float.self, capacity: capacity)
        }
        let mapped = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let mapped, mapped != MAP_FAILED else {
            fatalError("BufferPool: out of memory mapping \(bytes) bytes")
        }
        return mapped.bindMemory(to: Float.self, capacity: capacity)
    }

    private static func free(_ pointer: UnsafeMutablePointer<Float>, capacity: Int) {
        let bytes = Self.bytes(capacity)
        if bytes >= Self.largeBufferBytes {
            munmap(UnsafeMutableRawPointer(pointer), bytes)
        } else {
            pointer.deallocate()
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
        (self.pointer, self.capacity) = BufferPool.shared.take(capacity: BufferPool.capacity(for: count))
    }

    deinit {
        BufferPool.shared.give(self.pointer, capacity: self.capacity)
    }
}
