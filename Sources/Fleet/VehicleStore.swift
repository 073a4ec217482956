import Foundation
import Logging
import Postgres

/// Vehicles, their groups, programs and driver preferences, in Postgres.
public struct VehicleStore: Sendable {
    let pool: PostgresPool
    let logger: Logger

    public init(pool: PostgresPool, logger: Logger = Logger(label: "curtail.fleet.vehicles")) {
        self.pool = pool
        self.logger = logger
    }

    /// List filters; nil means "any". Without `state`, removed vehicles are left out.
    public struct Filter: Sendable {
        public var group: String?
        public var vendor: String?
        public var program: String?
        public var state: String?
        public var accountID: UUID?

        public init(group: String? = nil, vendor: String? = nil, program: String? = nil, state: String? = nil, accountID: UUID? = nil) {
            self.group = group
            self.vendor = vendor
            self.program = program
            self.state = state
            self.accountID = accountID
        }
    }

    static let selectColumns = """
        SELECT v.id, v.vendor, v.vendor_vehicle_id, v.account_id, v.make, v.model, v.year, v.country, v.voltage, v.phases,
               v.min_amps, v.max_amps, v.battery_kwh, v.electrical_source, v.status, v.created_at, v.updated_at,
               COALESCE((SELECT array_agg(g.group_name ORDER BY g.group_name) FROM vehicle_groups g WHERE g.vehicle_id = v.id), '{}') AS groups,
               COALESCE((SELECT array_agg(p.program_id ORDER BY p.program_id) FROM vehicle_programs p WHERE p.vehicle_id = v.id), '{}') AS programs,
               (dp.vehicle_id IS NOT NULL) AS has_preferences, dp.min_soc, to_char(dp.departure_time, 'HH24:MI') AS departure_time,
               dp.departure_days, dp.updated_at AS preferences_updated_at
        FROM vehicles v LEFT JOIN driver_preferences dp ON dp.vehicle_id = v.id
        """

    static func vehicle(_ row: PostgresRow) throws -> Vehicle {
        var preferences: DriverPreferences?
        if try row.decode(Bool.self, column: "has_preferences") {
            preferences = DriverPreferences(
                minSoc: try row.decode(Int?.self, column: "min_soc"),
                departureTime: try row.decode(String?.self, column: "departure_time"),
                departureDays: try row.decode([Int].self, column: "departure_days"),
                updatedAt: try row.decode(Date?.self, column: "preferences_updated_at"))
        }
        return Vehicle(
            id: try row.decode(UUID.self, column: "id"), vendor: try row.decode(String.self, column: "vendor"),
            vendorVehicleID: try row.decode(String.self, column: "vendor_vehicle_id"),
            accountID: try row.decode(UUID?.self, column: "account_id"), make: try row.decode(String?.self, column: "make"),
            model: try row.decode(String?.self, column: "model"), year: try row.decode(Int?.self, column: "year"),
            country: try row.decode(String.self, column: "country"), voltage: try row.decode(Int.self, column: "voltage"),
            phases: try row.decode(Int.self, column: "phases"), minAmps: try row.decode(Int.self, column: "min_amps"),
            maxAmps: try row.decode(Int.self, column: "max_amps"), batteryKWh: try row.decode(Double?.self, column: "battery_kwh"),
            electricalSource: try row.decode(String.self, column: "electrical_source"), status: try row.decode(String.self, column: "status"), groups: try row.decode([String].self, column: "groups"),
            programs: try row.decode([String].self, column: "programs"), preferences: preferences,
            createdAt: try row.decode(Date.self, column: "created_at"), updatedAt: try row.decode(Date.self, column: "updated_at"))
    }

    public func get(_ id: UUID) async throws -> Vehicle? {
        try await pool.query("\(unescaped: Self.selectColumns) WHERE v.id = \(id)").first.map(Self.vehicle)
    }

    /// Vehicles in enrolment order, filtered.
    public func list(_ filter: Filter, skip: Int, limit: Int) async throws -> [Vehicle] {
        let accountText = filter.accountID?.uuidString.lowercased()
        return try await pool.query(
            """
            \(unescaped: Self.selectColumns)
            WHERE (\(filter.state)::text IS NULL AND v.status <> 'removed' OR v.status = \(filter.state))
              AND (\(filter.vendor)::text IS NULL OR v.vendor = \(filter.vendor))
              AND (\(accountText)::uuid IS NULL OR v.account_id = \(accountText)::uuid)
              AND (\(filter.group)::text IS NULL
                   OR EXISTS (SELECT 1 FROM vehicle_groups g WHERE g.vehicle_id = v.id AND g.group_name = \(filter.group)))
              AND (\(filter.program)::text IS NULL
                   OR EXISTS (SELECT 1 FROM vehicle_programs p WHERE p.vehicle_id = v.id AND p.program_id = \(filter.program)))
            ORDER BY v.created_at, v.id OFFSET \(skip) LIMIT \(limit)
            """
        ).map(Self.vehicle)
    }

    /// Enrols one vehicle. - Throws: ``FleetError/conflict(_:)`` when the vendor's vehicle id is already enrolled;
    /// ``FleetError/invalid(_:)`` naming `account_id` when the account does not exist or is another vendor's.
    public func create(_ draft: VehicleDraft) async throws -> Vehicle {
        let id: UUID = try await pool.withTransaction { connection in
            if let accountID = draft.accountID {
                let vendor = try await connection.query("SELECT vendor FROM vendor_accounts WHERE id = \(accountID)").first
                guard let vendor, try vendor.decode(String.self, column: "vendor") == draft.vendor else {
                    throw FleetError.invalid([FieldIssue("/account_id", "no \(draft.vendor) vendor account has this id")])
                }
            }
            let row: PostgresRow
            do {
                row = try await connection.query(
                    """
                    INSERT INTO vehicles (vendor, vendor_vehicle_id, account_id, make, model, year, country, voltage, phases,
                                          min_amps, max_amps, battery_kwh, electrical_source)
                    VALUES (\(draft.vendor), \(draft.vendorVehicleID), \(draft.accountID), \(draft.make), \(draft.model),
                            \(draft.year), \(draft.country), \(draft.voltage), \(draft.phases), \(draft.minAmps), \(draft.maxAmps),
                            \(draft.batteryKWh), \(draft.electricalSource))
                    RETURNING id
                    """
                ).first!
            } catch let error as PostgresError where error.isUniqueViolation {
                throw FleetError.conflict("Vehicle \(draft.vendor)/\(draft.vendorVehicleID) is already enrolled.")
            }
            let id = try row.decode(UUID.self, column: "id")
            try await Self.replaceMemberships(id, groups: draft.groups, programs: draft.programs, on: connection)
            return id
        }
        return try await get(id)!
    }

    static func replaceMemberships(_ id: UUID, groups: [String]?, programs: [String]?, on connection: PostgresConnection) async throws {
        if let groups {
            try await connection.execute("DELETE FROM vehicle_groups WHERE vehicle_id = \(id) AND NOT (group_name = ANY(\(groups)::text[]))")
            try await connection.execute(
                "INSERT INTO vehicle_groups (vehicle_id, group_name) SELECT \(id), g FROM unnest(\(groups)::text[]) g ON CONFLICT DO NOTHING")
        }
        if let programs {
            try await connection.execute("DELETE FROM vehicle_programs WHERE vehicle_id = \(id) AND NOT (program_id = ANY(\(programs)::text[]))")
            try await connection.execute(
                "INSERT INTO vehicle_programs (vehicle_id, program_id) SELECT \(id), p FROM unnest(\(programs)::text[]) p ON CONFLICT DO NOTHING")
        }
    }

    /// A partial update of capabilities and memberships; nil fields are unchanged. `groups`/`programs`, when given,
    /// replace the vehicle's sets. Returns nil for an unknown or removed vehicle.
    /// - Throws: ``FleetError/invalid(_:)`` naming `/max_amps` when the result would have min_amps above max_amps.
    public struct Patch: Sendable {
        public var make: String?
        public var model: String?
        public var year: Int?
        public var country: String?
        public var voltage: Int?
        public var phases: Int?
        public var minAmps: Int?
        public var maxAmps: Int?
        public var batteryKWh: Double?
        public var groups: [String]?
        public var programs: [String]?
        public init() {}

        /// The operator states an electrical fact: the vehicle's facts become theirs (`operator`).
        var setsElectricalFacts: Bool { voltage != nil || phases != nil || maxAmps != nil }
    }

    public func update(_ id: UUID, _ patch: Patch) async throws -> Vehicle? {
        let updated: Bool = try await pool.withTransaction { connection in
            guard
                let row = try await connection.query(
                    "SELECT min_amps, max_amps FROM vehicles WHERE id = \(id) AND status <> 'removed' FOR UPDATE"
                ).first
            else { return false }
            let minAmps = try patch.minAmps ?? row.decode(Int.self, column: "min_amps")
            let maxAmps = try patch.maxAmps ?? row.decode(Int.self, column: "max_amps")
            guard minAmps <= maxAmps else {
                throw FleetError.invalid([FieldIssue(patch.maxAmps != nil ? "/max_amps" : "/min_amps", "min_amps (\(minAmps)) must not exceed max_amps (\(maxAmps))")])
            }
            try await connection.execute(
                """
                UPDATE vehicles SET make = COALESCE(\(patch.make), make), model = COALESCE(\(patch.model), model),
                    year = COALESCE(\(patch.year), year), country = COALESCE(\(patch.country), country),
                    voltage = COALESCE(\(patch.voltage), voltage), phases = COALESCE(\(patch.phases), phases),
                    min_amps = \(minAmps), max_amps = \(maxAmps), battery_kwh = COALESCE(\(patch.batteryKWh), battery_kwh),
                    electrical_source = CASE WHEN \(patch.setsElectricalFacts) THEN 'operator' ELSE electrical_source END,
                    updated_at = now()
                WHERE id = \(id)
                """)
            try await Self.replaceMemberships(id, groups: patch.groups, programs: patch.programs, on: connection)
            return true
        }
        return updated ? try await get(id) : nil
    }

    /// Takes the vehicle out of the fleet: status `removed`, no groups or programs. It stays on record for reports.
    /// Returns false for an unknown or already removed vehicle.
    public func remove(_ id: UUID) async throws -> Bool {
        try await pool.withTransaction { connection in
            guard try await connection.execute(
                "UPDATE vehicles SET status = 'removed', updated_at = now() WHERE id = \(id) AND status <> 'removed'") == 1
            else { return false }
            try await connection.execute("DELETE FROM vehicle_groups WHERE vehicle_id = \(id)")
            try await connection.execute("DELETE FROM vehicle_programs WHERE vehicle_id = \(id)")
            return true
        }
    }

    /// Replaces the driver's preferences. Returns nil for an unknown or removed vehicle.
    public func setPreferences(_ id: UUID, _ preferences: DriverPreferences) async throws -> DriverPreferences? {
        let rows = try await pool.query(
            """
            INSERT INTO driver_preferences (vehicle_id, min_soc, departure_time, departure_days, updated_at)
            SELECT id, \(preferences.minSoc), \(preferences.departureTime)::time, \(preferences.departureDays)::integer[], now()
            FROM vehicles WHERE id = \(id) AND status <> 'removed'
            ON CONFLICT (vehicle_id) DO UPDATE SET min_soc = EXCLUDED.min_soc, departure_time = EXCLUDED.departure_time,
                departure_days = EXCLUDED.departure_days, updated_at = now()
            RETURNING min_soc, to_char(departure_time, 'HH24:MI') AS departure_time, departure_days, updated_at
            """)
        guard let row = rows.first else { return nil }
        return DriverPreferences(
            minSoc: try row.decode(Int?.self, column: "min_soc"), departureTime: try row.decode(String?.self, column: "departure_time"),
            departureDays: try row.decode([Int].self, column: "departure_days"), updatedAt: try row.decode(Date.self, column: "updated_at"))
    }

    /// Groups with their (non-removed) vehicle counts, by name.
    public func groups(skip: Int, limit: Int) async throws -> [GroupSummary] {
        try await pool.query(
            """
            SELECT g.group_name, count(*) AS vehicle_count FROM vehicle_groups g JOIN vehicles v ON v.id = g.vehicle_id
            WHERE v.status <> 'removed' GROUP BY g.group_name ORDER BY g.group_name OFFSET \(skip) LIMIT \(limit)
            """
        ).map { GroupSummary(name: try $0.decode(String.self, column: "group_name"), vehicleCount: try $0.decode(Int.self, column: "vehicle_count")) }
    }

    /// Adds a vehicle to a group. Returns nil for an unknown or removed vehicle, else whether it was newly added.
    public func addToGroup(_ id: UUID, group: String) async throws -> Bool? {
        let rows = try await pool.query(
            """
            WITH target AS (SELECT id FROM vehicles WHERE id = \(id) AND status <> 'removed'),
                 added AS (INSERT INTO vehicle_groups (vehicle_id, group_name) SELECT id, \(group) FROM target
                           ON CONFLICT DO NOTHING RETURNING 1)
            SELECT (SELECT count(*) FROM target) AS found, (SELECT count(*) FROM added) AS added
            """)
        guard let row = rows.first, try row.decode(Int.self, column: "found") == 1 else { return nil }
        return try row.decode(Int.self, column: "added") == 1
    }

    /// Removes a vehicle from a group. Returns false when it was not a member.
    public func removeFromGroup(_ id: UUID, group: String) async throws -> Bool {
        try await pool.execute("DELETE FROM vehicle_groups WHERE vehicle_id = \(id) AND group_name = \(group)") == 1
    }

    /// The outcome of a successful import.
    public struct ImportReport: Sendable, Encodable, Equatable {
        public var imported: Int
        public var groupMemberships: Int
        public var programEnrollments: Int
        public var seconds: Double
        enum CodingKeys: String, CodingKey {
            case imported, seconds
            case groupMemberships = "group_memberships"
            case programEnrollments = "program_enrollments"
        }
    }

    /// The most rejections listed in ``FleetError/importRejected(rows:total:rowCount:)``. 1,000.
    public static let maxReportedRejections = 1000

    /// Imports every row or none: rows are validated, COPied into a temporary table, checked against the fleet
    /// (already enrolled, unknown account), then inserted with `INSERT ... SELECT`, all in one transaction.
    /// - Throws: ``FleetError/importRejected(rows:total:rowCount:)`` listing the rows refused and why (nothing is
    ///   imported); ``FleetError/conflict(_:)`` when a concurrent enrolment raced this one.
    public func importVehicles(_ rows: [VehicleImportPayload.Row]) async throws -> ImportReport {
        let start = ContinuousClock.now
        var rejections: [RowRejection] = []
        var rejectedCount = 0
        var drafts: [(row: Int, draft: VehicleDraft)] = []
        drafts.reserveCapacity(rows.count)
        var seen: [String: Int] = [:]
        seen.reserveCapacity(rows.count)
        func reject(_ row: Int, _ id: String?, _ issues: [FieldIssue]) {
            rejectedCount += 1
            if rejections.count < Self.maxReportedRejections { rejections.append(RowRejection(row: row, vendorVehicleID: id, errors: issues)) }
        }
        for (index, row) in rows.enumerated() {
            let number = index + 1
            switch row.flatMap(VehicleDraft.parse) {
            case .failure(let issues):
                reject(number, (try? row.get())?["vendor_vehicle_id"], issues.issues)
            case .success(let draft):
                let key = draft.vendor + "\u{0}" + draft.vendorVehicleID
                if let first = seen[key] {
                    reject(number, draft.vendorVehicleID, [FieldIssue("vendor_vehicle_id", "duplicates row \(first)")])
                } else {
                    seen[key] = number
                    drafts.append((number, draft))
                }
            }
        }
        if rejectedCount > 0 { throw FleetError.importRejected(rows: rejections, total: rejectedCount, rowCount: rows.count) }
        if drafts.isEmpty { return ImportReport(imported: 0, groupMemberships: 0, programEnrollments: 0, seconds: 0) }
        let validated = ContinuousClock.now

        // COPY text payload, built in ~1 MiB chunks.
        var chunks: [[UInt8]] = []
        var chunk: [UInt8] = []
        chunk.reserveCapacity(1 << 20)
        for (row, draft) in drafts {
            chunk.append(contentsOf: draft.copyLine(row: row).utf8)
            if chunk.count >= 1 << 20 {
                chunks.append(chunk)
                chunk = []
                chunk.reserveCapacity(1 << 20)
            }
        }
        if !chunk.isEmpty { chunks.append(chunk) }

        let report: ImportReport = try await pool.withTransaction { connection in
            try await connection.execute(
                """
                CREATE TEMP TABLE vehicle_import (
                    id uuid NOT NULL DEFAULT gen_random_uuid(), row_no integer NOT NULL, vendor text NOT NULL, vendor_vehicle_id text NOT NULL, account_id uuid,
                    make text, model text, year integer, country text NOT NULL, voltage integer NOT NULL,
                    phases integer NOT NULL, min_amps integer NOT NULL, max_amps integer NOT NULL,
                    battery_kwh double precision, groups text[] NOT NULL, programs text[] NOT NULL, electrical_source text NOT NULL
                ) ON COMMIT DROP
                """)
            try await connection.copyIn(
                "COPY vehicle_import (row_no, \(VehicleDraft.copyColumns.joined(separator: ", "))) FROM STDIN", chunks: chunks)
            let copied = ContinuousClock.now
            try await connection.execute("ANALYZE vehicle_import")
            var problems: [RowRejection] = []
            var problemCount = 0
            let clashes = try await connection.query(
                """
                SELECT i.row_no, i.vendor_vehicle_id, 'vendor_vehicle_id' AS field, 'is already enrolled' AS detail
                FROM vehicle_import i JOIN vehicles v ON v.vendor = i.vendor AND v.vendor_vehicle_id = i.vendor_vehicle_id
                UNION ALL
                SELECT i.row_no, i.vendor_vehicle_id, 'account_id', 'no vendor account of this vendor has this id'
                FROM vehicle_import i LEFT JOIN vendor_accounts a ON a.id = i.account_id AND a.vendor = i.vendor
                WHERE i.account_id IS NOT NULL AND a.id IS NULL
                ORDER BY 1 LIMIT \(Self.maxReportedRejections)
                """)
            for row in clashes {
                problems.append(
                    RowRejection(
                        row: try row.decode(Int.self, column: "row_no"),
                        vendorVehicleID: try row.decode(String.self, column: "vendor_vehicle_id"),
                        errors: [FieldIssue(try row.decode(String.self, column: "field"), try row.decode(String.self, column: "detail"))]))
            }
            if !problems.isEmpty {
                problemCount = try await connection.query(
                    """
                    SELECT count(DISTINCT row_no) AS n FROM (
                        SELECT i.row_no FROM vehicle_import i JOIN vehicles v ON v.vendor = i.vendor AND v.vendor_vehicle_id = i.vendor_vehicle_id
                        UNION ALL
                        SELECT i.row_no FROM vehicle_import i LEFT JOIN vendor_accounts a ON a.id = i.account_id AND a.vendor = i.vendor
                        WHERE i.account_id IS NOT NULL AND a.id IS NULL) x
                    """
                ).first!.decode(Int.self, column: "n")
                throw FleetError.importRejected(rows: problems, total: problemCount, rowCount: rows.count)
            }
            let checked = ContinuousClock.now
            let imported: Int
            do {
                imported = try await connection.execute(
                    """
                    INSERT INTO vehicles (id, vendor, vendor_vehicle_id, account_id, make, model, year, country, voltage,
                                          phases, min_amps, max_amps, battery_kwh, electrical_source)
                    SELECT id, vendor, vendor_vehicle_id, account_id, make, model, year, country, voltage, phases, min_amps,
                           max_amps, battery_kwh, electrical_source
                    FROM vehicle_import ORDER BY row_no
                    """) ?? 0
            } catch let error as PostgresError where error.isUniqueViolation {
                throw FleetError.conflict("Another enrolment added some of these vehicles meanwhile; retry the import.")
            }
            let groups = try await connection.execute(
                """
                INSERT INTO vehicle_groups (vehicle_id, group_name)
                SELECT i.id, g FROM vehicle_import i CROSS JOIN LATERAL unnest(i.groups) AS g
                """) ?? 0
            let programs = try await connection.execute(
                """
                INSERT INTO vehicle_programs (vehicle_id, program_id)
                SELECT i.id, p FROM vehicle_import i CROSS JOIN LATERAL unnest(i.programs) AS p
                """) ?? 0
            let end = ContinuousClock.now
            logger.info(
                "vehicle import phases",
                metadata: [
                    "validate": "\(validated - start)", "copy": "\(copied - validated)", "check": "\(checked - copied)",
                    "insert": "\(end - checked)",
                ])
            return ImportReport(imported: imported, groupMemberships: groups, programEnrollments: programs, seconds: 0)
        }
        let elapsed = ContinuousClock.now - start
        var result = report
        result.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        logger.info("vehicles imported", metadata: ["rows": "\(result.imported)", "seconds": "\(result.seconds)"])
        return result
    }
}
