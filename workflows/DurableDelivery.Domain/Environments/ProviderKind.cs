using System.Text.Json.Serialization;

namespace DurableDelivery.Domain.Environments;

/// <summary>The infrastructure provider an environment runs on.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ProviderKind>))]
public enum ProviderKind
{
    /// <summary>Processes on this machine behind the local provider's load balancer (written <c>local</c>).</summary>
    Local,

    /// <summary>Auto Scaling groups and target groups behind an ALB listener (written <c>aws</c>).</summary>
    Aws,
}
