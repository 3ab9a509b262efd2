using System.Globalization;

namespace DurableDelivery.SampleService;

/// <summary>How this instance behaves, read once from environment variables the local provider sets from the artifact.</summary>
internal sealed record SampleBehaviour
{
    public required string Version { get; init; }

    public required string InstanceId { get; init; }

    public int Port { get; init; }

    /// <summary>Gets the share of requests answered with 500, spread evenly (request i fails when floor(i*p/100) grows).</summary>
    public int FailurePercent { get; init; }

    public int LatencyMs { get; init; }

    public bool NeverHealthy { get; init; }

    /// <summary>Gets the delay after which the process exits with code 3 (0: never), to exercise crash restarts.</summary>
    public int CrashAfterMs { get; init; }

    public static SampleBehaviour FromEnvironment()
    {
        static string? Read(string name) => Environment.GetEnvironmentVariable(name);
        static int ReadInt(string name)
        {
            var text = Read(name);
            if (string.IsNullOrWhiteSpace(text))
            {
                return 0;
            }

            return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= 0
                ? value
                : throw new InvalidOperationException($"Environment variable {name}='{text}' is not a non-negative integer. Fix the artifact manifest.");
        }

        var failure = ReadInt("SAMPLE_FAILURE_PERCENT");
        if (failure > 100)
        {
            throw new InvalidOperationException($"SAMPLE_FAILURE_PERCENT={failure} is above 100. Use 0 to 100.");
        }

        return new SampleBehaviour
        {
            Version = Read("DD_VERSION") ?? "dev",
            InstanceId = Read("DD_INSTANCE_ID") ?? "local",
            Port = ReadInt("PORT"),
            FailurePercent = failure,
            LatencyMs = ReadInt("SAMPLE_LATENCY_MS"),
            NeverHealthy = string.Equals(Read("SAMPLE_NEVER_HEALTHY"), "true", StringComparison.OrdinalIgnoreCase),
            CrashAfterMs = ReadInt("SAMPLE_CRASH_AFTER_MS"),
        };
    }

    public bool ShouldFail(long requestNumber) =>
        FailurePercent > 0 && (requestNumber * FailurePercent / 100) != ((requestNumber - 1) * FailurePercent / 100);
}
