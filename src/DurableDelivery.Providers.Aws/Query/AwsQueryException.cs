namespace DurableDelivery.Providers.Aws.Query;

/// <summary>An error response of an AWS Query API (after retries, when the error was a throttling one).</summary>
public sealed class AwsQueryException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="AwsQueryException"/> class.</summary>
    /// <param name="service">The service, e.g. <c>autoscaling</c>.</param>
    /// <param name="action">The action.</param>
    /// <param name="statusCode">The HTTP status.</param>
    /// <param name="code">AWS's error code, e.g. <c>ValidationError</c>.</param>
    /// <param name="awsMessage">AWS's message.</param>
    /// <param name="requestId">The request id, when the response had one.</param>
    public AwsQueryException(string service, string action, int statusCode, string code, string awsMessage, string? requestId)
        : base($"{service} {action} failed: {code}: {awsMessage} (HTTP {statusCode}, request id {requestId ?? "none"})")
    {
        Service = service;
        Action = action;
        StatusCode = statusCode;
        Code = code;
        AwsMessage = awsMessage;
        RequestId = requestId;
    }

    /// <summary>Initializes a new instance of the <see cref="AwsQueryException"/> class.</summary>
    public AwsQueryException()
        : this("aws", "?", 0, "Unknown", "unknown error", null)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="AwsQueryException"/> class.</summary>
    /// <param name="message">The message.</param>
    public AwsQueryException(string message)
        : this("aws", "?", 0, "Unknown", message, null)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="AwsQueryException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public AwsQueryException(string message, Exception innerException)
        : base(message, innerException)
    {
        Service = "aws";
        Action = "?";
        Code = "Unknown";
        AwsMessage = message;
    }

    /// <summary>Gets the service's signing name.</summary>
    public string Service { get; }

    /// <summary>Gets the action that failed.</summary>
    public string Action { get; }

    /// <summary>Gets the HTTP status code.</summary>
    public int StatusCode { get; }

    /// <summary>Gets AWS's error code; callers branch on it.</summary>
    public string Code { get; }

    /// <summary>Gets AWS's message.</summary>
    public string AwsMessage { get; }

    /// <summary>Gets the request id, when known.</summary>
    public string? RequestId { get; }

    /// <summary>Gets a value indicating whether the error is throttling or a server-side failure worth
    /// retrying.</summary>
    public bool IsTransient => StatusCode >= 500 || AwsErrorCodes.IsThrottling(Code);
}
