/// Builds a deterministic fleet: the same `count` and `seed` give the same vehicles, accounts and tokens.
public enum FleetGenerator {
    /// - Parameters:
    ///   - simStart: simulated time the fleet starts at (power timelines begin here).
    ///   - wallStart: wall-clock time, for token expiry.
    public static func generate(
        count: Int, seed: UInt64, simStart: Double, wallStart: Double, limits: RateLimits
    ) -> (vehicles: [Vehicle], accounts: [Account]) {
        var rng = SplitMix64(seed: seed)
        var vehicles: [Vehicle] = []
        var accounts: [Account] = []
        vehicles.reserveCapacity(count)
        while vehicles.count < count {
            let vendor: Vendor = rng.chance(0.5) ? .tesla : .smartcar
            let size = min(count - vehicles.count, rng.weighted([(1, 60.0), (2, 30.0), (3, 10.0)]))
            let accountIndex = accounts.count
            let region = vendor == .tesla ? (rng.chance(0.75) ? "na" : "eu") : (rng.chance(0.85) ? "us" : "eu")
            var indices: [Int] = []
            for _ in 0..<size {
                let make = vendor == .tesla ? Make.tesla : rng.weighted(Make.smartcarMix)
                let vehicle = makeVehicle(
                    index: vehicles.count, vendor: vendor, make: make, accountIndex: accountIndex,
                    market: region == "na" || region == "us" ? "US" : "EU", simStart: simStart, rng: &rng)
                indices.append(vehicle.index)
                vehicles.append(vehicle)
            }
            let policy = TokenPolicy.of(vendor)
            let (access, refresh) = Tokens.make(vendor: vendor, region: region, rng: &rng)
            accounts.append(
                Account(
                    index: accountIndex, id: "\(vendor.rawValue)-\(pad(accountIndex + 1, 6))", vendor: vendor,
                    region: region, userID: vendor == .tesla ? String(1_000_000 + accountIndex) : rng.uuid(),
                    vehicleIndices: indices, accessToken: access, accessExpiresAt: wallStart + policy.accessLifetime,
                    refreshToken: refresh, refreshExpiresAt: wallStart + policy.refreshLifetime,
                    scopes: vendor == .tesla ? Scopes.tesla : Scopes.smartcar, limits: limits))
        }
        return (vehicles, accounts)
    }

    static func makeVehicle(
        index: Int, vendor: Vendor, make: Make, accountIndex: Int, market: String, simStart: Double,
        rng: inout SplitMix64
    ) -> Vehicle {
        let model = make.models[Int(rng.next() % UInt64(make.models.count))]
        let year = 2019 + Int(rng.next() % 7)
        let capacity: Double = rng.weighted([(57.5, 2), (75, 4), (82, 3), (100, 1), (40, 1), (66, 2)])
        let (volts, phases, maxAmps): (Int, Int, Int) =
            market == "US"
            ? (240, 1, rng.weighted([(32, 5), (40, 2), (48, 3)])) : (230, 3, rng.weighted([(16, 8), (32, 2)]))
        let plugged = rng.chance(0.7)
        let limit: Int = rng.weighted([(80, 5), (90, 4), (100, 1)])
        let enabled = plugged && rng.chance(0.6)
        var soc = 20 + Double(rng.next() % 600) / 10  // 20–80 %
        if soc >= Double(limit) { soc = Double(limit) - 10 }
        let amps = rng.chance(0.8) ? maxAmps : max(6, maxAmps / 2)
        var schedule = ChargeSchedule()
        if make.hasSchedules && rng.chance(0.3) {
            schedule.enabled = true
            schedule.startMinutes = rng.weighted([(1380, 3), (0, 2), (60, 1)])
        }
        let vin = makeVIN(make: make, model: model, year: year, index: index, rng: &rng)
        let uuid = vendor == .smartcar ? rng.uuid() : ""
        let lane = ChargeLane(
            soc: soc, chargeLimit: limit, amps: amps, chargeEnabled: enabled, pluggedIn: plugged,
            evseNoPower: false, sessionEnergyKWh: 0, totalEnergyKWh: 0, timeline: [])
        let asleep = vendor == .tesla && !enabled && rng.chance(0.3)
        var vehicle = Vehicle(
            index: index, vendor: vendor, makeIndex: make.index, model: model, year: year,
            vendorID: vendor == .tesla ? vin : uuid, vin: vin,
            teslaID: vendor == .tesla ? 3_744_000_000_000_000 + index : 0,
            teslaVehicleID: vendor == .tesla ? 1_492_000_000 + index : 0, accountIndex: accountIndex, market: market,
            capacityKWh: capacity, volts: volts, phases: phases, maxAmps: maxAmps,
            osVersion: make.needsOS8ForCommands ? (rng.chance(0.2) ? 7 : 8) : 0,
            actual: lane, counterfactual: lane, asleep: asleep, wakeAt: nil, unreachable: false, lastActive: simStart,
            chargePortDoorOpen: plugged, schedule: schedule, updatedAt: simStart)
        vehicle.actual.timeline = [PowerPoint(time: simStart, kW: vehicle.power(lane))]
        vehicle.counterfactual.timeline = vehicle.actual.timeline
        return vehicle
    }

    /// A 17-character VIN: WMI, model letter, body filler, check digit position, year code, plant, serial.
    static func makeVIN(make: Make, model: String, year: Int, index: Int, rng: inout SplitMix64) -> String {
        let yearCodes = Array("KLMNPRSTVW")  // 2019 → K ... 2028 → W
        let modelLetter = make == .tesla ? String(model.last ?? "3") : String("ABCDEFGH".randomElement(using: &rng)!)
        let plant = String("ACFGNPRU".randomElement(using: &rng)!)
        let year = String(yearCodes[min(max(year - 2019, 0), yearCodes.count - 1)])
        return make.wmi + modelLetter + "E1EA" + "0" + year + plant + pad(index, 6)
    }

    static func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}

/// Token strings. Tesla refresh tokens carry a region prefix (`NA_…`), which the Python SDK reads.
enum Tokens {
    static func make<R: RandomNumberGenerator>(vendor: Vendor, region: String, rng: inout R) -> (String, String) {
        func hex(_ n: Int) -> String {
            var out = ""
            while out.count < n {
                let w = String(rng.next(), radix: 16)
                out += String(repeating: "0", count: 16 - w.count) + w
            }
            return String(out.prefix(n))
        }
        switch vendor {
        case .tesla:
            return ("tsla_at_" + hex(48), region.uppercased() + "_" + hex(64))
        case .smartcar:
            return ("sc_at_" + hex(40), "sc_rt_" + hex(40))
        }
    }
}
