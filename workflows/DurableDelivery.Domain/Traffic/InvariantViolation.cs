namespace DurableDelivery.Domain.Traffic;

/// <summary>A broken safety invariant: a reason code for code and a message with the names and numbers for people.</summary>
public sealed record InvariantViolation
{
    /// <summary>Gets the reason code (see <see cref="InvariantCodes"/>).</summary>
    public required string Code { get; init; }

    /// <summary>Gets the one-line message.</summary>
    public required string Message { get; init; }

    /// <inheritdoc/>
    public override string ToString() => $"{Code}: {Message}";
}
