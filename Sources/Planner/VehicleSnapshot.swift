/// One vehicle as the planner sees it: identity, vendor facts, electrical limits and the latest telemetry.
///
/// Curtailment changes telemetry (a stopped car reads "not charging"), so for a vehicle Curtail is already
/// curtailing the caller passes ``preCurtailment``: the telemetry captured just before the first curtailment
/// (DESIGN §1, §6). The planner then reads *what the vehicle would do without Curtail* (`charging`, `amps`,
/// `powerKW`, `chargeLimit`) from it, and the live facts (`pluggedIn`, `soc`, `hasSchedule`) from ``telemetry``.
public struct VehicleSnapshot: Sendable, Hashable, Codable {
    /// The vendor's id: the VIN for Tesla, the Smartcar vehicle id.
    public var id: String
    public var vendor: Vendor
    public var make: Make
    /// ISO 3166-1 alpha-2 country of the vehicle's account (`"US"`); `nil` when unknown. Nissan's rule needs it.
    public var countryCode: String?
    /// Major version of the vehicle's operating system, where the vendor reports one (BMW and MINI need 8+).
    public var osMajorVersion: Int?
    /// Supply voltage, in V (line-to-neutral for 3-phase).
    public var voltage: Double
    /// Number of AC phases (1 or 3).
    public var phases: Int
    /// The least current the vehicle charges at, in A per phase (J1772/IEC 61851 pilot minimum is 6 A).
    public var minAmps: Int
    /// The most current the vehicle (and its EVSE) will draw, in A per phase.
    public var maxAmps: Int
    /// Usable battery capacity, in kWh; `nil` when unknown.
    public var batteryKWh: Double?
    /// `voltage`, `phases` and `maxAmps` are the vehicle's own (an operator's or the vendor's word), not defaults
    /// nobody confirmed. Unconfirmed facts do not bound the draw: see ``budgetKW(amps:policy:)``.
    public var electricalFactsConfirmed: Bool
    /// The latest telemetry.
    public var telemetry: VehicleTelemetry
    /// The telemetry captured just before Curtail first curtailed this vehicle in the current curtailment, or
    /// `nil` when Curtail is not curtailing it.
    public var preCurtailment: VehicleTelemetry?

    public init(
        id: String, vendor: Vendor, make: Make, countryCode: String? = nil, osMajorVersion: Int? = nil,
        voltage: Double, phases: Int, minAmps: Int, maxAmps: Int, batteryKWh: Double? = nil,
        electricalFactsConfirmed: Bool = true, telemetry: VehicleTelemetry = VehicleTelemetry(), preCurtailment: VehicleTelemetry? = nil
    ) {
        self.id = id
        self.vendor = vendor
        self.make = make
        self.countryCode = countryCode
        self.osMajorVersion = osMajorVersion
        self.voltage = voltage
        self.phases = phases
        self.minAmps = minAmps
        self.maxAmps = maxAmps
        self.batteryKWh = batteryKWh
        self.electricalFactsConfirmed = electricalFactsConfirmed
        self.telemetry = telemetry
        self.preCurtailment = preCurtailment
    }

    /// Power drawn at `amps` per phase, in kW: V × A × phases / 1000 (tesla-fleet.md §3, "To estimate kW").
    public func kW(amps: Int) -> Double {
        voltage * Double(amps) * Double(max(phases, 1)) / 1000
    }

    /// The most the vehicle may draw at `amps` per phase, in kW, for a capacity budget: ``kW(amps:)`` when the
    /// electrical facts are confirmed; otherwise at least ``PlanningPolicy/unconfirmedKWPerAmp`` per amp, so a car
    /// enrolled with the 240 V single-phase defaults that really charges on 230 V × 3 phases is not budgeted at a
    /// third of its draw.
    public func budgetKW(amps: Int, policy: PlanningPolicy) -> Double {
        let registered = kW(amps: amps)
        return electricalFactsConfirmed ? registered : max(registered, policy.unconfirmedKWPerAmp * Double(amps))
    }

    /// What the vehicle would do without Curtail: ``preCurtailment`` when set, else ``telemetry``.
    var uncurtailed: VehicleTelemetry { preCurtailment ?? telemetry }
}
