namespace DurableDelivery.Providers;

/// <summary>One instance of an infra-set (locally a process on a loopback port; on AWS an EC2 instance in the target group).</summary>
public sealed record InstanceInfo
{
    /// <summary>Gets the instance id, stable across restarts of the instance.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the base address the instance serves on, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public required string Endpoint { get; init; }

    /// <summary>Gets a value indicating whether the last health check passed.</summary>
    public bool Healthy { get; init; }

    /// <summary>Gets how many times the provider restarted this instance after it stopped unexpectedly.</summary>
    public int Restarts { get; init; }

    /// <summary>Gets the operating-system process id, when the provider knows it.</summary>
    public int? ProcessId { get; init; }

    /// <summary>Gets a one-line account of the last unexpected stop, e.g. <c>exited with code 3 after 0.4 s</c>.</summary>
    public string? LastExit { get; init; }
}
