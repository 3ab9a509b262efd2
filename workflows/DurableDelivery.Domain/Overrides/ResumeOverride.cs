using System.Text.Json.Serialization;

namespace DurableDelivery.Domain.Overrides;

/// <summary>Resumes a paused delivery.</summary>
public sealed record ResumeOverride : DeliveryOverride
{
    /// <inheritdoc/>
    [JsonIgnore]
    public override string Verb => "resume";
}
