namespace DurableDelivery.Providers;

/// <summary>The weight table a listener applies: the share of new requests each infra-set receives is its weight divided by <see cref="Total"/>.</summary>
public sealed record ListenerWeights
{
    /// <summary>Gets the environment whose listener applies these weights.</summary>
    public required string Environment { get; init; }

    /// <summary>Gets the weight per infra-set id; infra-sets not named receive no traffic.</summary>
    public IReadOnlyDictionary<string, int> Weights { get; set; } = new Dictionary<string, int>();

    /// <summary>Gets a number that grows by one with every applied change, so readers can tell two tables apart.</summary>
    public long Revision { get; init; }

    /// <summary>Gets when this table was applied (<see langword="null"/> when the listener never had weights).</summary>
    public DateTimeOffset? AppliedAt { get; init; }

    /// <summary>Gets the sum of the weights; zero only for a listener that has never had weights.</summary>
    public int Total => Weights.Values.Sum();

    /// <summary>Gets the weight of one infra-set, zero when it is not named.</summary>
    /// <param name="infraSetId">The infra-set id.</param>
    /// <returns>Its weight.</returns>
    public int WeightOf(string infraSetId) => Weights.TryGetValue(infraSetId, out var weight) ? weight : 0;
}
