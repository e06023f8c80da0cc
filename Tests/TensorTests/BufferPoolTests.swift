import Testing

@testable import Tensor

/// The pool's budget, pressure and trim rules, on private pools (the shared pool is busy with other tests).
@Suite struct BufferPoolTests {
    /// Bytes of a small buffer of 16 floats.
    let small = 16 * 4

    @Test func returnedBufferIsReusedForTheSameCapacity() {
        let pool = BufferPool(maximumCachedBytes: 1 << 20)
        let first = pool.take(capacity: 16).pointer
        pool.give(first, capacity: 16)
        #expect(pool.statistics.cachedBytes == self.small)
        let second = pool.take(capacity: 16).pointer
        #expect(second == first)
        #expect(pool.statistics.reuses == 1 && pool.statistics.freshAllocations == 1)
        #expect(pool.statistics.cachedBytes == 0)
        let other = pool.take(capacity: 32).pointer
        #expect(pool.statistics.freshAllocations == 2, "another capacity is not served from the cache")
        pool.give(second, capacity: 16)
        pool.give(other, capacity: 32)
        pool.drain()
    }

    /// Small buffers take whole cache lines; from `sizeClassBytes` on one of eight sizes per doubling, so shapes
    /// that vary a little between steps share cached buffers.
    @Test func capacitiesFromTheClassThresholdComeInSizeClasses() {
        #expect(BufferPool.capacity(for: 1) == 16)
        #expect(BufferPool.capacity(for: 17) == 32)
        let classed = BufferPool.sizeClassBytes / 4  // floats
        #expect(BufferPool.capacity(for: classed - 16) == classed - 16, "below the threshold: exact lines")
        #expect(BufferPool.capacity(for: classed) == classed)
        #expect(BufferPool.capacity(for: classed + 1) == classed + classed / 8)
        let medium = (256 << 10) / 4  // a medium buffer's floats, between the class threshold and large
        #expect(BufferPool.capacity(for: medium + 1) == medium + medium / 8)
        let large = BufferPool.largeBufferBytes / 4
        #expect(BufferPool.capacity(for: large + 1) == large + large / 8)
        for count in stride(from: classed, through: 64 * large, by: 12_345) {
            let capacity = BufferPool.capacity(for: count)
            #expect(capacity >= count && capacity % 16 == 0)
            #expect(Double(capacity) <= Double(count) * 1.125, "at most 12.5 % more for \(count)")
        }
        let pool = BufferPool(maximumCachedBytes: 64 << 20)
        let first = pool.take(capacity: BufferPool.capacity(for: 5 * large + 100))
        pool.give(first.pointer, capacity: first.capacity)
        let second = pool.take(capacity: BufferPool.capacity(for: 5 * large + 20_000))
        #expect(second.pointer == first.pointer, "a slightly larger tensor of the next step reuses the buffer")
        pool.give(second.pointer, capacity: second.capacity)
        pool.drain()
    }

    /// A request of a size class takes a cached buffer up to a quarter larger when none of its own size is cached,
    /// and gives it back at that buffer's capacity; small requests and larger gaps get fresh buffers.
    /// Run for a medium buffer (256 KiB, served by `malloc`) and a large one (mapped).
    @Test(arguments: [256 << 10, BufferPool.largeBufferBytes])
    func classedRequestTakesASlightlyLargerCachedBuffer(bytes: Int) {
        let pool = BufferPool(maximumCachedBytes: 64 << 20)
        let large = bytes / 4  // floats
        let big = pool.take(capacity: 2 * large)
        pool.give(big.pointer, capacity: big.capacity)
        let smaller = pool.take(capacity: 2 * large - large / 4)
        #expect(smaller.pointer == big.pointer && smaller.capacity == 2 * large)
        #expect(pool.statistics.reuses == 1 && pool.statistics.cachedBytes == 0)
        pool.give(smaller.pointer, capacity: smaller.capacity)
        #expect(pool.statistics.cachedBytes == 2 * bytes)
        let muchSmaller = pool.take(capacity: large)
        #expect(muchSmaller.pointer != big.pointer && muchSmaller.capacity == large, "more than a quarter smaller")
        let small = pool.take(capacity: 16)
        pool.give(small.pointer, capacity: small.capacity)
        let tiny = pool.take(capacity: 12)
        #expect(tiny.capacity == 12 && tiny.pointer != small.pointer, "small ones: exact capacity only")
        pool.give(tiny.pointer, capacity: tiny.capacity)
        pool.give(muchSmaller.pointer, capacity: muchSmaller.capacity)
        pool.drain()
    }

    @Test func budgetEvictsTheLeastRecentlyReturnedBuffers() {
        let pool = BufferPool(maximumCachedBytes: 3 * self.small)
        let buffers = (0..<4).map { _ in pool.take(capacity: 16).pointer }
        for buffer in buffers.prefix(3) { pool.give(buffer, capacity: 16) }
        #expect(pool.statistics.cachedBytes == 3 * self.small && pool.statistics.evictions == 0)
        pool.give(buffers[3], capacity: 16)
        #expect(pool.statistics.cachedBytes == 3 * self.small, "the budget holds")
        #expect(pool.statistics.evictions == 1)
        // Reuse is last in, first out; the evicted buffer was the first one returned.
        let reused = (0..<3).map { _ in pool.take(capacity: 16).pointer }
        #expect(reused == [buffers[3], buffers[2], buffers[1]])
        for buffer in reused { pool.give(buffer, capacity: 16) }
        pool.drain()
    }

    @Test func bufferLargerThanTheBudgetIsFreedAtOnce() {
        let pool = BufferPool(maximumCachedBytes: 2 * self.small)
        let big = pool.take(capacity: 64).pointer
        pool.give(big, capacity: 64)
        #expect(pool.statistics.cachedBytes == 0 && pool.statistics.evictions == 0)
    }

    /// A fresh large allocation frees as many bytes of stale cached buffers (oldest first), so a change of shapes
    /// does not add the new working set to the old one; recently returned buffers and small misses are kept.
    @Test func largeMissReleasesStaleBuffers() {
        let pool = BufferPool(maximumCachedBytes: 64 << 20)
        let large = BufferPool.largeBufferBytes / 4  // floats
        let old = [pool.take(capacity: large).pointer, pool.take(capacity: 2 * large).pointer]
        pool.give(old[0], capacity: large)
        pool.give(old[1], capacity: 2 * large)
        let recent = pool.take(capacity: 3 * large).pointer
        #expect(pool.statistics.evictions == 0, "buffers returned just now are not stale")
        // A loop over other (small) shapes: the large buffers are not reused for a long time.
        for _ in 0..<(BufferPool.staleAfter / 2) {
            pool.give(pool.take(capacity: 16).pointer, capacity: 16)
        }
        #expect(pool.statistics.cachedBytes == 3 * BufferPool.largeBufferBytes + self.small, "small misses evict none")
        let fresh = pool.take(capacity: 3 * large / 2).pointer
        #expect(pool.statistics.evictions == 2, "1 MiB (oldest) was not enough to cover 1.5 MiB")
        #expect(pool.statistics.cachedBytes == self.small)
        // Mapped memory is usable over its whole length.
        fresh.update(repeating: 1, count: 3 * large / 2)
        #expect(fresh[3 * large / 2 - 1] == 1)
        pool.give(fresh, capacity: 3 * large / 2)
        pool.give(recent, capacity: 3 * large)
        pool.trim(keepingBytes: 3 * BufferPool.largeBufferBytes)
        #expect(pool.statistics.cachedBytes == 3 * BufferPool.largeBufferBytes, "trim frees the oldest first")
        pool.drain()
        #expect(pool.statistics.cachedBytes == 0)
    }

    @Test func theSharedBudgetIsAQuarterOfTheMemoryUpTo4GiB() {
        #expect(BufferPool.defaultBudget(physicalMemory: 24 << 30) == 4 << 30)
        #expect(BufferPool.defaultBudget(physicalMemory: 8 << 30) == 2 << 30)
        #expect(BufferPool.defaultBudget(physicalMemory: 16 << 30) == 4 << 30)
    }

    /// After backward no graph node keeps an intermediate result alive, so its buffer goes back to the pool.
    @Test func activationsOfAFinishedBackwardAreReleased() {
        weak var released: Tensor?
        let x = Tensor.ones([8, 32], requiresGrad: true)
        do {
            let hidden = x.scaled(by: 2).silu()
            released = hidden
            hidden.sum().backward()
        }
        #expect(released == nil, "no graph node keeps the intermediate alive after backward")
        #expect(x.grad != nil)
    }
}
