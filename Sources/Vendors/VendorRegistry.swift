import Foundation
import HTTP
import Logging

/// What the vendor adapters are built from. A vendor whose client id is not set is not built.
public struct VendorConfiguration: Sendable {
    /// `TESLA_API_BASE`: the Fleet API origin (Tesla's regional URL, or the simulator's).
    public var teslaAPIBase: String
    /// `TESLA_AUTH_URL`: the OAuth token endpoint.
    public var teslaAuthURL: String
    /// `TESLA_CLIENT_ID`. `nil`: no Tesla adapter.
    public var teslaClientID: String?
    /// `TESLA_COMMAND_PROXY_URL`: the `tesla-http-proxy` origin commands go through. Defaults to the API base.
    public var teslaCommandProxyBase: String?
    /// `SMARTCAR_API_BASE`: the origin (`https://api.smartcar.com`), with or without `/v2.0`.
    public var smartcarAPIBase: String
    /// `SMARTCAR_AUTH_URL`: the OAuth token endpoint.
    public var smartcarAuthURL: String
    /// `SMARTCAR_CLIENT_ID` and `SMARTCAR_CLIENT_SECRET`. Either `nil`: no Smartcar adapter.
    public var smartcarClientID: String?
    public var smartcarClientSecret: String?
    /// Shared by every adapter: one keep-alive pool per vendor host.
    public var client: HTTPClient
    /// Per-call deadlines. Default to ``VendorTimeouts/tesla`` and ``VendorTimeouts/smartcar``.
    public var teslaTimeouts: VendorTimeouts
    public var smartcarTimeouts: VendorTimeouts
    public var logger: Logger

    public init(
        teslaAPIBase: String = "https://fleet-api.prd.na.vn.cloud.tesla.com",
        teslaAuthURL: String = "https://fleet-auth.prd.vn.cloud.tesla.com/oauth2/v3/token",
        teslaClientID: String? = nil, teslaCommandProxyBase: String? = nil,
        smartcarAPIBase: String = "https://api.smartcar.com",
        smartcarAuthURL: String = "https://auth.smartcar.com/oauth/token",
        smartcarClientID: String? = nil, smartcarClientSecret: String? = nil, client: HTTPClient,
        teslaTimeouts: VendorTimeouts = .tesla, smartcarTimeouts: VendorTimeouts = .smartcar,
        logger: Logger = Logger(label: "curtail.vendors")
    ) {
        self.teslaAPIBase = teslaAPIBase
        self.teslaAuthURL = teslaAuthURL
        self.teslaClientID = teslaClientID
        self.teslaCommandProxyBase = teslaCommandProxyBase
        self.smartcarAPIBase = smartcarAPIBase
        self.smartcarAuthURL = smartcarAuthURL
        self.smartcarClientID = smartcarClientID
        self.smartcarClientSecret = smartcarClientSecret
        self.client = client
        self.teslaTimeouts = teslaTimeouts
        self.smartcarTimeouts = smartcarTimeouts
        self.logger = logger
    }

    /// Reads `TESLA_API_BASE`, `TESLA_AUTH_URL`, `TESLA_CLIENT_ID`, `TESLA_COMMAND_PROXY_URL`, `SMARTCAR_API_BASE`,
    /// `SMARTCAR_AUTH_URL`, `SMARTCAR_CLIENT_ID`, `SMARTCAR_CLIENT_SECRET`; unset or empty variables take the
    /// defaults above.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment, client: HTTPClient
    ) -> VendorConfiguration {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        var configuration = VendorConfiguration(client: client)
        if let v = value("TESLA_API_BASE") { configuration.teslaAPIBase = v }
        if let v = value("TESLA_AUTH_URL") { configuration.teslaAuthURL = v }
        configuration.teslaClientID = value("TESLA_CLIENT_ID")
        configuration.teslaCommandProxyBase = value("TESLA_COMMAND_PROXY_URL")
        if let v = value("SMARTCAR_API_BASE") { configuration.smartcarAPIBase = v }
        if let v = value("SMARTCAR_AUTH_URL") { configuration.smartcarAuthURL = v }
        configuration.smartcarClientID = value("SMARTCAR_CLIENT_ID")
        configuration.smartcarClientSecret = value("SMARTCAR_CLIENT_SECRET")
        return configuration
    }
}

/// Builds the vendor adapters.
///
/// ```swift
/// let apis = VendorRegistry.make(configuration: .fromEnvironment(client: client))
/// let tesla = apis[.tesla]
/// ```
///
/// (Named `VendorRegistry`, not `Vendors`: a type named like its module hides the module, and `Vendors.X` would
/// stop resolving for every importer.)
public enum VendorRegistry {
    /// One adapter per configured vendor: Tesla when ``VendorConfiguration/teslaClientID`` is set, Smartcar when
    /// both its client id and secret are.
    public static func make(configuration: VendorConfiguration) -> [VendorName: any VehicleAPI] {
        var apis: [VendorName: any VehicleAPI] = [:]
        if let clientID = configuration.teslaClientID {
            var logger = configuration.logger
            logger[metadataKey: "vendor"] = "tesla"
            apis[.tesla] = TeslaFleetAPI(
                apiBase: configuration.teslaAPIBase, authURL: configuration.teslaAuthURL, clientID: clientID,
                commandProxyBase: configuration.teslaCommandProxyBase, client: configuration.client,
                timeouts: configuration.teslaTimeouts, logger: logger)
        }
        if let clientID = configuration.smartcarClientID, let secret = configuration.smartcarClientSecret {
            var logger = configuration.logger
            logger[metadataKey: "vendor"] = "smartcar"
            apis[.smartcar] = SmartcarAPI(
                apiBase: configuration.smartcarAPIBase, authURL: configuration.smartcarAuthURL, clientID: clientID,
                clientSecret: secret, client: configuration.client, timeouts: configuration.smartcarTimeouts,
                logger: logger)
        }
        return apis
    }
}
