using System.Text.Json.Serialization;

namespace DurableDelivery.Domain.VersionSets;

/// <summary>How a component differs between two version sets.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ComponentChangeKind>))]
public enum ComponentChangeKind
{
    /// <summary>The component is only in the newer version set.</summary>
    Added,

    /// <summary>The component is only in the older version set.</summary>
    Removed,

    /// <summary>The component's version or artifact changed.</summary>
    Changed,
}
