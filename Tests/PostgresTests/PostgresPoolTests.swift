import Synchronization
import Foundation
import Postgres
import Testing

@Suite struct PostgresPoolTests {
    struct Boom: Error {}

    @Test func transaction_Commits_WhenBodyReturns() async throws {
        try await TestDatabase.withSchema { pool, schema in
            try await pool.execute("CREATE TABLE \(identifier: schema).t (n int)")
            let value = try await pool.withTransaction { conn in
                try await conn.execute("INSERT INTO \(identifier: schema).t VALUES (\(1))")
                return 7
            }
            #expect(value == 7)
            let rows = try await pool.query("SELECT count(*) AS n FROM \(identifier: schema).t")
            #expect(try rows[0].decode(Int.self, column: "n") == 1)
        }
    }

    @Test func transaction_RollsBack_WhenBodyThrows() async throws {
        try await TestDatabase.withSchema(maxConnections: 1) { pool, schema in
            try await pool.execute("CREATE TABLE \(identifier: schema).t (n int)")
            await #expect(throws: Boom.self) {
                try await pool.withTransaction { conn in
                    try await conn.execute("INSERT INTO \(identifier: schema).t VALUES (\(1))")
                    throw Boom()
                }
            }
            // Also when the failure is a server error inside the transaction.
            await #expect(throws: PostgresError.self) {
                try await pool.withTransaction { conn in
                    try await conn.execute("INSERT INTO \(identifier: schema).t VALUES (\(2))")
                    try await conn.execute("INSERT INTO \(identifier: schema).t VALUES (\("not a number"))")
                }
            }
            let rows = try await pool.query("SELECT count(*) AS n FROM \(identifier: schema).t")
            #expect(try rows[0].decode(Int.self, column: "n") == 0)
            // The single connection came back after both failures, idle and reusable.
            #expect(pool.openConnections == 1)
            #expect(pool.idleConnections == 1)
        }
    }

    @Test func pool_BoundsConnections_AndTimesOutWaiting() async throws {
        let pool = try TestDatabase.pool(maxConnections: 2, acquireTimeout: .milliseconds(300))
        let (holdStream, hold) = AsyncStream.makeStream(of: Void.self)
        let (leasedStream, leased) = AsyncStream.makeStream(of: Int32.self)
        let holders = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        try await pool.withConnection { conn in
                            leased.yield(conn.backendPID)
                            for await _ in holdStream {}
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        var pids: Set<Int32> = []
        for await pid in leasedStream {
            pids.insert(pid)
            if pids.count == 2 { break }
        }
        #expect(pool.openConnections == 2)
        let start = ContinuousClock.now
        let error = try await #require(throws: PostgresError.self) {
            try await pool.withConnection { _ in }
        }
        let waited = ContinuousClock.now - start
        #expect(error.code == .poolTimeout)
        #expect(waited >= .milliseconds(250))
        #expect(waited < .seconds(5))
        #expect(pool.openConnections == 2)

        hold.finish()
        try await holders.value
        // A freed connection is reused, not a new one opened.
        let pid = try await pool.withConnection { conn in conn.backendPID }
        #expect(pids.contains(pid))
        #expect(pool.openConnections == 2)
        await pool.close()
        await #expect(throws: PostgresError.self) { try await pool.withConnection { _ in } }
    }

    @Test func blockingQueries_DoNotStallCooperativePool() async throws {
        // Four blocking queries on four connections each block their own queue's thread, not one of the two
        // cooperative threads: a plain async task still runs to completion while all four are in the database.
        // Judged by order of events, not by timing, so a loaded machine cannot make it flaky.
        let pool = try TestDatabase.pool(maxConnections: 4)
        let queriesFinished = FinishedCounter()
        let (started, startedContinuation) = AsyncStream.makeStream(of: Void.self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    try await pool.execute("SELECT pg_sleep(1.5)")
                    queriesFinished.increment()
                }
            }
            group.addTask {
                // Wait (on a connection of its own: the pool's four are busy) until all four are running in the
                // server, then let the test do cooperative work.
                defer { startedContinuation.finish() }  // ends the wait below even if this task throws
                let observer = try TestDatabase.pool(maxConnections: 1)
                defer { Task { await observer.close() } }
                for _ in 0..<200 {
                    let running = try await observer.query(
                        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(1.5)' AND state = 'active'")
                    if try running.first?.decode(Int.self, column: "n") ?? 0 >= 4 { break }
                    try await Task.sleep(for: .milliseconds(10))
                }
                startedContinuation.yield()
            }
            for await _ in started { break }
            for _ in 0..<20 { await Task.yield() }
            #expect(queriesFinished.value == 0, "cooperative work had to wait for the blocking queries")
            try await group.waitForAll()
        }
        #expect(queriesFinished.value == 4)
        await pool.close()
    }

    @Test func pool_WaiterThrowsCancellationError_WhenCancelled() async throws {
        let pool = try TestDatabase.pool(maxConnections: 1, acquireTimeout: .seconds(30))
        let (holdStream, hold) = AsyncStream.makeStream(of: Void.self)
        let (leasedStream, leased) = AsyncStream.makeStream(of: Void.self)
        let holder = Task {
            try await pool.withConnection { _ in
                leased.yield()
                for await _ in holdStream {}
            }
        }
        for await _ in leasedStream { break }
        let waiter = Task { try await pool.withConnection { _ in } }
        try await Task.sleep(for: .milliseconds(50))
        let start = ContinuousClock.now
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(ContinuousClock.now - start < .seconds(5))
        hold.finish()
        try await holder.value
        #expect(pool.openConnections == 1)
        await pool.close()
    }

    @Test func pool_HandsFreedConnection_ToWaiter() async throws {
        let pool = try TestDatabase.pool(maxConnections: 1, acquireTimeout: .seconds(10))
        let results = try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<8 {
                group.addTask {
                    try await pool.withConnection { conn in
                        try await conn.query("SELECT pg_sleep(0.02), \(i) AS i")[0].decode(Int.self, column: "i")
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.sorted() == Array(0..<8))
        #expect(pool.openConnections == 1)
        await pool.close()
    }

    @Test func pool_Recovers_AfterItsConnectionIsKilled() async throws {
        let pool = try TestDatabase.pool(maxConnections: 1)
        let admin = try await PostgresConnection.connect(configuration: TestDatabase.configuration())
        let firstPID = try await pool.withConnection { conn in conn.backendPID }

        // Kill the pool's idle connection from another session and wait until the backend has gone.
        try await admin.query("SELECT pg_terminate_backend(\(firstPID))")
        for _ in 0..<100 {
            let rows = try await admin.query("SELECT count(*) AS n FROM pg_stat_activity WHERE pid = \(firstPID)")
            if try rows[0].decode(Int.self, column: "n") == 0 { break }
            try await Task.sleep(for: .milliseconds(20))
        }

        // Usually the pool's probe already saw the goodbye and opens a new connection. If the socket's EOF has not
        // arrived yet, that one query fails with a connection error, the connection is discarded, and the
        // retry gets a fresh one: never a second failure.
        func selectOne() async throws -> Int32 {
            try await pool.withConnection { conn in
                let one = try await conn.query("SELECT 1 AS one")[0].decode(Int.self, column: "one")
                #expect(one == 1)
                return conn.backendPID
            }
        }
        let secondPID: Int32
        do {
            secondPID = try await selectOne()
        } catch let error as PostgresError where error.isConnectionError {
            secondPID = try await selectOne()
        }
        #expect(secondPID != firstPID)
        #expect(pool.openConnections == 1)

        // A connection killed while leased fails that query, is discarded, and the next lease works.
        let error = try await #require(throws: PostgresError.self) {
            try await pool.withConnection { conn in
                try await admin.query("SELECT pg_terminate_backend(\(conn.backendPID))")
                try await Task.sleep(for: .milliseconds(200))
                try await conn.query("SELECT 1")
            }
        }
        #expect(error.isConnectionError)
        #expect(pool.openConnections == 0)
        let thirdPID = try await pool.withConnection { conn in conn.backendPID }
        #expect(thirdPID != secondPID)
        await pool.close()
        await admin.close()
    }
}

/// A counter shared by concurrent test tasks.
final class FinishedCounter: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
