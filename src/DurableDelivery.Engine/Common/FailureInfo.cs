using System.Text.Json.Serialization;

namespace DurableDelivery.Engine.Common;

/// <summary>A serializable description of an error, as stored in history and shown to people.</summary>
public sealed record FailureInfo
{
    /// <summary>Gets the error message.</summary>
    public required string Message { get; init; }

    /// <summary>Gets the error type: the application error type, or the exception's type name.</summary>
    public string? Type { get; init; }

    /// <summary>Gets a value indicating whether the error must not be retried.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool NonRetryable { get; init; }

    /// <summary>Gets the kind of failure (Application, Activity, ChildWorkflow, Canceled, Terminated, Timeout, Server).</summary>
    public string Kind { get; init; } = "Application";

    /// <summary>Gets the stack trace where the error was raised, if any.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? StackTrace { get; init; }

    /// <summary>Gets serialized details attached to the error, if any.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Details { get; init; }

    /// <summary>Gets the underlying cause, if any.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public FailureInfo? Cause { get; init; }

    /// <inheritdoc />
    public override string ToString() => Cause is null ? $"{Type}: {Message}" : $"{Type}: {Message} (cause: {Cause})";
}
