/// One simulated vehicle: fixed identity and hardware, plus two charge "lanes".
///
/// `actual` is what the vehicle does; `counterfactual` is the same vehicle had no vendor command ever reached it.
/// Driver actions made through the control API (plugging in or out) apply to both lanes; vendor commands only to
/// `actual`. `/_sim/truth` integrates both lanes' power timelines.
public struct Vehicle: Sendable {
    /// Position in the fleet (stable for a given seed and size).
    public let index: Int
    public let vendor: Vendor
    /// Index into ``Make/all`` (one byte, not a copy of the make's strings: 100,000 vehicles add up).
    let makeIndex: UInt8
    public var make: Make { Make.all[Int(makeIndex)] }
    public let model: String
    public let year: Int
    /// The id the vendor's API uses: the VIN for Tesla, a UUID for Smartcar.
    public let vendorID: String
    public let vin: String
    /// Tesla's numeric `id` (also accepted as `{vehicle_tag}`) and `vehicle_id`; 0 for Smartcar vehicles.
    public let teslaID: Int
    public let teslaVehicleID: Int
    public let accountIndex: Int
    /// `US` (240 V, 1 phase) or `EU` (230 V, 3 phases).
    public let market: String
    /// Usable battery capacity, kWh.
    public let capacityKWh: Double
    /// The supply: nominal AC volts and phases.
    public var volts: Int
    public var phases: Int
    /// The most the car will draw: min(EVSE pilot, onboard charger), amps per phase.
    public var maxAmps: Int
    /// Vehicle OS major version (BMW/MINI need 8+ for commands).
    public let osVersion: Int

    public var actual: ChargeLane
    public var counterfactual: ChargeLane

    public var asleep: Bool
    /// Simulated time at which a requested wake completes.
    public var wakeAt: Double?
    public var unreachable: Bool
    /// Simulated time of the last activity (a command, a data read, charging); idle sleep counts from here.
    public var lastActive: Double
    public var chargePortDoorOpen: Bool
    public var schedule: ChargeSchedule
    /// Simulated time up to which physics has been applied.
    public var updatedAt: Double
    /// Rate-limit windows for this vehicle (per account and vehicle; a simulated vehicle has one account).
    public var pacing = VehiclePacing()
}

/// Charging settings and state that vendor commands change.
public struct ChargeLane: Sendable {
    /// State of charge, percent (0–100, fractional).
    public var soc: Double
    /// Charge limit, percent (50–100).
    public var chargeLimit: Int
    /// Requested charging current, amps (Tesla `charge_amps`).
    public var amps: Int
    /// Whether charging is enabled (started and not stopped). Power flows when enabled, plugged in and below the limit.
    public var chargeEnabled: Bool
    public var pluggedIn: Bool
    /// The EVSE gives no power (Tesla `NoPower`).
    public var evseNoPower: Bool
    /// Energy added this plug-in session, kWh.
    public var sessionEnergyKWh: Double
    /// Energy delivered since the simulation (re)started, kWh.
    public var totalEnergyKWh: Double
    /// Power timeline: (simulated time, kW) change points, in order; power is constant between them.
    public var timeline: [PowerPoint]
}

public struct PowerPoint: Sendable, Equatable {
    public var time: Double
    public var kW: Double
}

/// A charging schedule, where the make has one (Tesla scheduled charging/departure, Ford by location, Nissan).
public struct ChargeSchedule: Sendable, Equatable {
    public var enabled = false
    /// Minutes after local midnight.
    public var startMinutes = 0
    public var departureEnabled = false
    public var departureMinutes = 0
    public var preconditioningEnabled = false
    public var offPeakChargingEnabled = false
    public var offPeakEndMinutes = 0
}

extension Vehicle {
    /// Charging power of a lane now, kW: volts × amps × phases / 1000 while charging, else 0.
    public func power(_ lane: ChargeLane) -> Double {
        guard isDrawing(lane) else { return 0 }
        return Double(volts) * Double(drawAmps(lane)) * Double(phases) / 1000
    }

    /// Whether the lane draws power: enabled, plugged in, the EVSE gives power, and below the limit.
    public func isDrawing(_ lane: ChargeLane) -> Bool {
        lane.chargeEnabled && lane.pluggedIn && !lane.evseNoPower && lane.soc < Double(lane.chargeLimit)
    }

    /// The current the car actually draws: the request clamped to the maximum; requests below 5 A still draw 5 A,
    /// as integrators observe on Tesla (shared/vendors/tesla-fleet.md §4.4).
    public func drawAmps(_ lane: ChargeLane) -> Int { min(max(lane.amps, 5), maxAmps) }
}
