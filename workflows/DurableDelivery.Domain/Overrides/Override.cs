using System.Text.Json.Serialization;

namespace DurableDelivery.Domain.Overrides;

/// <summary>
/// A person's command to an environment or a delivery, carrying who asked, why and when. Sent as a workflow update
/// (validated with <see cref="OverrideValidator.Validate"/> first, so a bad override changes nothing) and mirrored as a
/// signal; recorded in history either way.
/// </summary>
/// <remarks>Serialized with a <c>kind</c> discriminator: <c>pause</c>, <c>resume</c>, <c>promote</c>, <c>abort</c>, <c>rollback</c>, <c>setWeights</c>, <c>extendBake</c>.</remarks>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(PauseOverride), "pause")]
[JsonDerivedType(typeof(ResumeOverride), "resume")]
[JsonDerivedType(typeof(PromoteOverride), "promote")]
[JsonDerivedType(typeof(AbortOverride), "abort")]
[JsonDerivedType(typeof(RollbackOverride), "rollback")]
[JsonDerivedType(typeof(SetWeightsOverride), "setWeights")]
[JsonDerivedType(typeof(ExtendBakeOverride), "extendBake")]
public abstract record Override
{
    /// <summary>Gets who asked (a user name or an automation's id). Required.</summary>
    public required string RequestedBy { get; init; }

    /// <summary>Gets why. Required and non-empty: every override is recorded with its reason.</summary>
    public required string Reason { get; init; }

    /// <summary>Gets when it was asked; supplied by the caller (the client's clock or <c>Workflow.UtcNow</c>), never read here.</summary>
    public required DateTimeOffset RequestedAt { get; init; }

    /// <summary>Gets the verb used in refusals, e.g. <c>pause</c> or <c>roll back</c>.</summary>
    [JsonIgnore]
    public abstract string Verb { get; }
}
