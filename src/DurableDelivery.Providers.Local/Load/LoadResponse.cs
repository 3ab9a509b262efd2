namespace DurableDelivery.Providers.Local.Load;

/// <summary>One response seen by <see cref="LoadGenerator"/>.</summary>
/// <param name="StartedTimestamp">When the request was sent, as a <see cref="System.Diagnostics.Stopwatch"/> timestamp.</param>
/// <param name="Version">The <c>X-Served-By-Version</c> header (else <c>X-DD-Infra-Set</c>, else <c>(none)</c>; <c>(error)</c> without a response).</param>
/// <param name="StatusCode">The HTTP status, or 0 without a response.</param>
/// <param name="Latency">The time from sending to reading the whole body.</param>
public readonly record struct LoadResponse(long StartedTimestamp, string Version, int StatusCode, TimeSpan Latency);
