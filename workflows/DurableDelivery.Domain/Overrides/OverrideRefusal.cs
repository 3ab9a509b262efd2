namespace DurableDelivery.Domain.Overrides;

/// <summary>Why an override was refused: a reason code for code and a message for people.</summary>
public sealed record OverrideRefusal
{
    /// <summary>Gets the reason code (see <see cref="OverrideRefusalCodes"/>).</summary>
    public required string Code { get; init; }

    /// <summary>Gets the message, e.g. <c>cannot resume: delivery 'delivery/demo/3' is not paused</c>.</summary>
    public required string Message { get; init; }

    /// <inheritdoc/>
    public override string ToString() => $"{Code}: {Message}";
}
