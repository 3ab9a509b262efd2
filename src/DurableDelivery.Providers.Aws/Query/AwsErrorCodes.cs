namespace DurableDelivery.Providers.Aws.Query;

/// <summary>The AWS error codes the provider branches on.</summary>
internal static class AwsErrorCodes
{
    private static readonly HashSet<string> Throttling = new(StringComparer.Ordinal)
    {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
        "RequestLimitExceeded", "RequestThrottled", "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException",
    };

    /// <summary>Whether AWS asks the caller to slow down.</summary>
    public static bool IsThrottling(string code) => Throttling.Contains(code);
}
