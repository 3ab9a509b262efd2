namespace DurableDelivery.Providers.Local.Server;

/// <summary>What instance supervisors share: paths, timing, the health-check client, logging and the state mutator.</summary>
internal sealed class ProviderContext
{
    public required LocalProviderPaths Paths { get; init; }

    public required LocalProviderOptions Options { get; init; }

    public required HttpClient HealthClient { get; init; }

    public required TimeProvider Time { get; init; }

    public required Action<string> Log { get; init; }

    /// <summary>Applies a change to the persisted state under the provider's lock and saves it.</summary>
    public required Func<Action, Task> MutateAsync { get; init; }

    /// <summary>The folder of the provider's dll: <c>{provider-dir}</c> in artifact manifests.</summary>
    public string ProviderDirectory { get; } = AppContext.BaseDirectory.TrimEnd('/');
}
