/// The hold-back (control-group) estimate of an interval's curtailed kW: a ratio, or difference-in-differences,
/// estimator.
///
/// Each vehicle brings two numbers: its pre-event draw `b` (the capture sample's power, 0 when not charging) and its
/// measured draw `m` in the interval. The control group shows how much of their pre-event draw uncurtailed vehicles
/// still draw (they reach their limit, unplug, taper): `r = Σ_control m / Σ_control b`. The curtailed vehicles would
/// have drifted alike, so
///
///     curtailed kW = r × Σ_treated b − Σ_treated m
///
/// Each vehicle is compared with its own pre-event draw, so the large spread of charging powers between vehicles
/// (3.8 kW to 22 kW) drops out; only the spread of the drift remains. The plain difference of group means that
/// preceded it ((mean control m − mean treated m) × treated count) carried that spread whole, and with 5 % of a
/// 1,000-vehicle fleet (≈ 15 controls) it missed the truth by 5 %.
///
/// 95 % interval (delta method): with the controls' residuals `e = m − r b` and their variance `s²`,
/// `Var = (Σ_treated b)² · s² / (n_c · b̄_c²) + n_t · s²` — the error of the estimated ratio plus the treated
/// vehicles' own scatter around it — and Student's t with `n_c − 1` degrees of freedom. A small control group often
/// sees none of the rarer drops (a car reaching its limit) and its `s²` is then near 0, claiming an interval it has
/// not earned (simulated: 45 % coverage for 20 controls when 3 % of cars stop). So `s²` is at least the largest
/// variance a draw between 0 and `b` can have at that ratio, `r̃ (1 − r̃) · mean b²`, with `r̃` the ratio shrunk by
/// z²/2 average vehicles each way (Agresti–Coull); the interval is then conservative (≥ 95 % in the tests).
public struct ControlEstimate: Sendable, Hashable, Codable {
    public var kw: Double
    public var ci95: [Double]
    public var control_count: Int
    public var treatment_count: Int
    /// Mean measured kW per control and per treated vehicle.
    public var control_mean_kw: Double
    public var treatment_mean_kw: Double
    /// `r`: the share of their pre-event draw the control vehicles still drew. (Optional: intervals frozen before
    /// the ratio estimator carry the difference of means and no ratio.)
    public var control_ratio: Double?
    /// `Σ_treated b`: the treated vehicles' pre-event draw, which `r` scales into their counterfactual.
    public var treatment_pre_event_kw: Double?

    /// Running sums over one group's vehicles, so the estimate needs no per-vehicle list.
    public struct Sums: Sendable, Hashable {
        public var n = 0
        /// Σ b, Σ m, Σ b², Σ m², Σ b·m.
        public var pre = 0.0, measured = 0.0, preSquares = 0.0, measuredSquares = 0.0, products = 0.0

        public init() {}

        public init(_ pairs: [(pre: Double, measured: Double)]) {
            for pair in pairs { add(pre: pair.pre, measured: pair.measured) }
        }

        public mutating func add(pre: Double, measured: Double) {
            n += 1
            self.pre += pre
            self.measured += measured
            preSquares += pre * pre
            measuredSquares += measured * measured
            products += pre * measured
        }
    }

    /// `nil` when the control group has fewer than two vehicles with telemetry or drew nothing before the event, or
    /// no curtailed vehicle has telemetry.
    public static func estimate(control: Sums, treatment: Sums) -> ControlEstimate? {
        guard control.n >= 2, treatment.n >= 1, control.pre > 0 else { return nil }
        let nc = Double(control.n), nt = Double(treatment.n)
        let ratio = control.measured / control.pre
        let kw = ratio * treatment.pre - treatment.measured
        // Σ (m − r b)², from the sums.
        let residualSquares = max(0, control.measuredSquares - 2 * ratio * control.products + ratio * ratio * control.preSquares)
        let meanPre = control.pre / nc
        let z2 = 1.96 * 1.96
        let shrunk = min(1, max(0, (control.measured + z2 / 2 * meanPre) / (control.pre + z2 * meanPre)))
        let residualVariance = max(residualSquares / (nc - 1), shrunk * (1 - shrunk) * control.preSquares / nc)
        let variance = treatment.pre * treatment.pre * residualVariance / (nc * meanPre * meanPre) + nt * residualVariance
        let half = studentT975(degreesOfFreedom: control.n - 1) * variance.squareRoot()
        return ControlEstimate(
            kw: kw, ci95: [kw - half, kw + half], control_count: control.n, treatment_count: treatment.n,
            control_mean_kw: control.measured / nc, treatment_mean_kw: treatment.measured / nt, control_ratio: ratio,
            treatment_pre_event_kw: treatment.pre)
    }

    /// The two-sided 95 % quantile of Student's t (table to 30 degrees of freedom, then 1.96 + 2.4/df, within 0.002).
    public static func studentT975(degreesOfFreedom df: Int) -> Double {
        let table: [Double] = [
            12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
            2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
        ]
        guard df >= 1 else { return .infinity }
        return df <= table.count ? table[df - 1] : 1.96 + 2.4 / Double(df)
    }
}
