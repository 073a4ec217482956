import Synchronization

/// Process-wide metrics, rendered in the Prometheus text exposition format (version 0.0.4).
///
/// Thread-safe: every series lives behind one `Mutex`; updates are a dictionary lookup and an add.
/// Series are identified by name plus sorted labels; keep label values low-cardinality (route patterns, not paths).
public final class MetricsRegistry: Sendable {
    public struct Labels: Hashable, Sendable, ExpressibleByDictionaryLiteral {
        let pairs: [(String, String)]
        public init(dictionaryLiteral elements: (String, String)...) { pairs = elements.sorted { $0.0 < $1.0 } }
        public init(_ pairs: [(String, String)]) { self.pairs = pairs.sorted { $0.0 < $1.0 } }
        public static func == (a: Labels, b: Labels) -> Bool { a.pairs.elementsEqual(b.pairs, by: ==) }
        public func hash(into hasher: inout Hasher) {
            for (k, v) in pairs {
                hasher.combine(k)
                hasher.combine(v)
            }
        }
        func rendered(extra: (String, String)? = nil) -> String {
            let all = pairs + (extra.map { [$0] } ?? [])
            guard !all.isEmpty else { return "" }
            return "{" + all.map { "\($0.0)=\"\(escape($0.1))\"" }.joined(separator: ",") + "}"
        }
        /// Label values escape backslash, double quote and newline (exposition format rules).
        private func escape(_ value: String) -> String {
            var out = ""
            for character in value {
                switch character {
                case "\\": out += "\\\\"
                case "\"": out += "\\\""
                case "\n": out += "\\n"
                default: out.append(character)
                }
            }
            return out
        }
    }

    private enum Kind: String { case counter, gauge, histogram }

    private struct Family {
        let kind: Kind
        let help: String
        let buckets: [Double]
        var values: [Labels: Double] = [:]
        var histograms: [Labels: Histogram] = [:]
    }

    private struct Histogram {
        var counts: [UInt64]
        var sum = 0.0
        var count: UInt64 = 0
    }

    /// Latency buckets in seconds, from 0.5 ms to 10 s.
    public static let latencyBuckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    private let families = Mutex<[String: Family]>([:])
    /// Gauges computed at scrape time (open connections, pool sizes).
    private let collectors = Mutex<[@Sendable () -> [(name: String, help: String, labels: Labels, value: Double)]]>([])

    public init() {}

    public func increment(_ name: String, help: String, labels: Labels = [:], by amount: Double = 1) {
        update(name, kind: .counter, help: help) { $0.values[labels, default: 0] += amount }
    }

    public func set(_ name: String, help: String, labels: Labels = [:], to value: Double) {
        update(name, kind: .gauge, help: help) { $0.values[labels] = value }
    }

    public func observe(_ name: String, help: String, labels: Labels = [:], value: Double, buckets: [Double] = latencyBuckets) {
        update(name, kind: .histogram, help: help, buckets: buckets) { family in
            var histogram = family.histograms[labels] ?? Histogram(counts: Array(repeating: 0, count: family.buckets.count))
            if let index = family.buckets.firstIndex(where: { value <= $0 }) { histogram.counts[index] += 1 }
            histogram.sum += value
            histogram.count += 1
            family.histograms[labels] = histogram
        }
    }

    /// Registers gauges sampled on every scrape.
    public func addCollector(_ collect: @escaping @Sendable () -> [(name: String, help: String, labels: Labels, value: Double)]) {
        collectors.withLock { $0.append(collect) }
    }

    /// The current value of a counter or gauge series (0 when absent); for tests and benchmarks.
    public func value(_ name: String, labels: Labels = [:]) -> Double {
        families.withLock { $0[name]?.values[labels] ?? 0 }
    }

    private func update(_ name: String, kind: Kind, help: String, buckets: [Double] = [], _ body: (inout Family) -> Void) {
        families.withLock { families in
            var family = families[name] ?? Family(kind: kind, help: help, buckets: buckets)
            body(&family)
            families[name] = family
        }
    }

    /// The Prometheus text exposition of every series.
    public func render() -> String {
        var out = ""
        let snapshot = families.withLock { $0 }
        for (name, family) in snapshot.sorted(by: { $0.key < $1.key }) {
            out += "# HELP \(name) \(family.help)\n# TYPE \(name) \(family.kind.rawValue)\n"
            if family.kind == .histogram {
                for (labels, histogram) in family.histograms.sorted(by: { $0.key.rendered() < $1.key.rendered() }) {
                    var cumulative: UInt64 = 0
                    for (bound, count) in zip(family.buckets, histogram.counts) {
                        cumulative += count
                        out += "\(name)_bucket\(labels.rendered(extra: ("le", format(bound)))) \(cumulative)\n"
                    }
                    out += "\(name)_bucket\(labels.rendered(extra: ("le", "+Inf"))) \(histogram.count)\n"
                    out += "\(name)_sum\(labels.rendered()) \(format(histogram.sum))\n"
                    out += "\(name)_count\(labels.rendered()) \(histogram.count)\n"
                }
            } else {
                for (labels, value) in family.values.sorted(by: { $0.key.rendered() < $1.key.rendered() }) {
                    out += "\(name)\(labels.rendered()) \(format(value))\n"
                }
            }
        }
        let sampled = collectors.withLock { $0 }.flatMap { $0() }
        var described = Set<String>()
        for sample in sampled {
            if described.insert(sample.name).inserted {
                out += "# HELP \(sample.name) \(sample.help)\n# TYPE \(sample.name) gauge\n"
            }
            out += "\(sample.name)\(sample.labels.rendered()) \(format(sample.value))\n"
        }
        return out
    }

    private func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
