using DurableDelivery.Domain.Overrides;

namespace DurableDelivery.Workflows.Delivery;

/// <summary>
/// The audit record of one override: who asked, why, when it was asked and when it was applied, and what it did.
/// Refused overrides sent as signals are recorded too (an update that is refused leaves no trace by design).
/// </summary>
public sealed record OverrideRecord
{
    /// <summary>Gets the override as requested (kind, requested by, reason, requested at, arguments).</summary>
    public required Override Request { get; init; }

    /// <summary>Gets the workflow that handled it: <c>env/&lt;name&gt;</c> or <c>delivery/&lt;env&gt;/&lt;n&gt;</c>.</summary>
    public required string HandledBy { get; init; }

    /// <summary>Gets when the workflow applied or refused it (workflow time).</summary>
    public required DateTimeOffset HandledAt { get; init; }

    /// <summary>Gets a value indicating whether it was applied.</summary>
    public required bool Applied { get; init; }

    /// <summary>Gets what it did, or why it was refused.</summary>
    public required string Message { get; init; }
}
