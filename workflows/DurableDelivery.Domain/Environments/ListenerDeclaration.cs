namespace DurableDelivery.Domain.Environments;

/// <summary>The load-balancer listener whose weights a delivery moves.</summary>
public sealed record ListenerDeclaration
{
    /// <summary>Gets the loopback port of the local provider's listener; set for <see cref="ProviderKind.Local"/> only.</summary>
    public int? Port { get; init; }

    /// <summary>Gets the ALB listener ARN; set for <see cref="ProviderKind.Aws"/> only.</summary>
    public string? Arn { get; init; }
}
